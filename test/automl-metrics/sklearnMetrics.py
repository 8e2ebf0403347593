"""Reference values for Weir's metric parity test, computed with scikit-learn and scipy.

Reads a JSON list of cases on stdin and prints, per case, Azure's metric names with the
values scikit-learn gives for the same vectors. Each metric is written the way Azure
AutoML defines it on top of scikit-learn (one-hot one-vs-rest for AUC and average
precision, r2 clipped at -1, MAPE in percent over non-zero labels, ranges for the
normalized errors), so the test checks Weir's arithmetic, not a second copy of it.
"""
import json
import sys

import numpy as np
from scipy.stats import spearmanr
from sklearn import metrics as m


def classification(case):
    y = np.asarray(case["yTrue"], dtype=int)
    k = case["numClasses"]
    proba = np.asarray(case["proba"], dtype=float).reshape(len(y), k)
    w = None if case.get("weight") is None else np.asarray(case["weight"], dtype=float)
    pred = proba.argmax(axis=1)
    onehot = np.eye(k)[y]
    labels = list(range(k))
    out = {
        "accuracy": m.accuracy_score(y, pred, sample_weight=w),
        "balanced_accuracy": m.balanced_accuracy_score(y, pred, sample_weight=w),
        "log_loss": m.log_loss(y, proba, labels=labels, sample_weight=w),
        "matthews_correlation": m.matthews_corrcoef(y, pred, sample_weight=w),
    }
    for avg in ("macro", "micro", "weighted"):
        out["AUC_" + avg] = m.roc_auc_score(onehot, proba, average=avg, sample_weight=w)
        out["average_precision_score_" + avg] = m.average_precision_score(onehot, proba, average=avg, sample_weight=w)
        out["f1_score_" + avg] = m.f1_score(y, pred, labels=labels, average=avg, sample_weight=w, zero_division=0)
        out["precision_score_" + avg] = m.precision_score(y, pred, labels=labels, average=avg, sample_weight=w, zero_division=0)
        out["recall_score_" + avg] = m.recall_score(y, pred, labels=labels, average=avg, sample_weight=w, zero_division=0)
    chance = 0.5 if k == 2 else 1.0 / k
    out["norm_macro_recall"] = max(0.0, (out["recall_score_macro"] - chance) / (1 - chance))
    class_rows = np.bincount(y, minlength=k)[y].astype(float)
    out["weighted_accuracy"] = m.accuracy_score(y, pred, sample_weight=class_rows if w is None else class_rows * w)
    return out


def regression(case):
    y = np.asarray(case["yTrue"], dtype=float)
    p = np.asarray(case["pred"], dtype=float)
    w = None if case.get("weight") is None else np.asarray(case["weight"], dtype=float)
    rng = y.max() - y.min()
    mae = m.mean_absolute_error(y, p, sample_weight=w)
    medae = m.median_absolute_error(y, p, sample_weight=w)
    rmse = np.sqrt(m.mean_squared_error(y, p, sample_weight=w))
    rmsle = np.sqrt(m.mean_squared_log_error(y, p, sample_weight=w))
    nz = y != 0
    ape = np.abs(y[nz] - p[nz]) / np.abs(y[nz])
    return {
        "r2_score": max(-1.0, m.r2_score(y, p, sample_weight=w)),
        "explained_variance": m.explained_variance_score(y, p, sample_weight=w),
        "spearman_correlation": spearmanr(y, p).correlation,
        "mean_absolute_error": mae,
        "median_absolute_error": medae,
        "root_mean_squared_error": rmse,
        "root_mean_squared_log_error": rmsle,
        "mean_absolute_percentage_error": 100 * np.average(ape, weights=None if w is None else w[nz]),
        "normalized_mean_absolute_error": mae / rng,
        "normalized_median_absolute_error": medae / rng,
        "normalized_root_mean_squared_error": rmse / rng,
        "normalized_root_mean_squared_log_error": rmsle / (np.log1p(y.max()) - np.log1p(y.min())),
    }


cases = json.load(sys.stdin)
result = [classification(c) if c["task"] == "classification" else regression(c) for c in cases]
json.dump([{k: float(v) for k, v in r.items()} for r in result], sys.stdout)
