"""Tuned baseline for bench/automl.bench.ts: a time-boxed random search over XGBoost.

Reads a prepped table as CSV, runs a random search over XGBoost's main hyperparameters
with stratified 5-fold cross-validation until the budget is spent, and prints one JSON
line with the best mean CV AUC_weighted (sklearn's roc_auc_score, weighted average over
classes; for a binary label it equals the plain AUC).

Usage: /usr/bin/python3 bench/automl_baseline.py DATA.csv LABEL SECONDS [SEED] [THREADS]
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold


def sample_params(rng):
    return {
        "n_estimators": int(rng.integers(20, 600)),
        "max_depth": int(rng.integers(2, 10)),
        "learning_rate": float(10 ** rng.uniform(-2.3, -0.3)),
        "subsample": float(rng.uniform(0.5, 1.0)),
        "colsample_bytree": float(rng.uniform(0.4, 1.0)),
        "min_child_weight": float(10 ** rng.uniform(-1, 1.3)),
        "reg_lambda": float(10 ** rng.uniform(-3, 1.5)),
        "reg_alpha": float(10 ** rng.uniform(-3, 1)),
        "gamma": float(rng.choice([0.0, 0.0, 0.1, 0.5, 1.0])),
    }


def cv_auc(X, y, params, folds, seed, threads):
    scores = []
    classes = np.unique(y)
    for train, valid in folds:
        model = xgb.XGBClassifier(tree_method="hist", n_jobs=threads, random_state=seed, eval_metric="logloss", **params)
        model.fit(X[train], y[train])
        proba = model.predict_proba(X[valid])
        if len(classes) == 2:
            scores.append(roc_auc_score(y[valid], proba[:, 1]))
        else:
            scores.append(roc_auc_score(y[valid], proba, multi_class="ovr", average="weighted", labels=classes))
    return float(np.mean(scores))


def main():
    path, label, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    df = pd.read_csv(path)
    y = pd.factorize(df[label], sort=True)[0]
    X = df.drop(columns=[label]).apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float32)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(X, y))
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    best, best_params, trials = -1.0, None, 0
    # XGBoost's defaults first, as a tuner would, then random configurations until the budget is spent.
    candidates = [{}]
    while time.perf_counter() - started < seconds:
        params = candidates.pop() if candidates else sample_params(rng)
        score = cv_auc(X, y, params, folds, seed, threads)
        trials += 1
        if score > best:
            best, best_params = score, params
    print(json.dumps({"best_cv_auc_weighted": best, "trials": trials, "seconds": time.perf_counter() - started, "best_params": best_params}))


if __name__ == "__main__":
    main()
