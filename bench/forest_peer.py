"""The scikit-learn side of `npm run bench -- forest`: one forest fit (n_jobs=1) on the
float32 files the bench wrote (column-major features), CPU and wall seconds, test metric."""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import r2_score, roc_auc_score


def main():
    d, ntr, nte, cols, task, kind, trees, seed = sys.argv[1:9]
    ntr, nte, cols, trees, seed = int(ntr), int(nte), int(cols), int(trees), int(seed)
    load = lambda name: np.fromfile(f"{d}/{name}", dtype=np.float32)
    xtr = load("xtr.bin").reshape(cols, ntr).T.copy()
    xte = load("xte.bin").reshape(cols, nte).T.copy()
    ytr, yte = load("ytr.bin"), load("yte.bin")
    # scikit-learn 1.2's forests take no NaN: median imputation from the training rows.
    med = np.nan_to_num(np.nanmedian(xtr, axis=0))
    for x in (xtr, xte):
        idx = np.where(np.isnan(x))
        x[idx] = med[idx[1]]
    classification = task == "classification"
    cls = {("rf", True): RandomForestClassifier, ("rf", False): RandomForestRegressor, ("et", True): ExtraTreesClassifier, ("et", False): ExtraTreesRegressor}[(kind, classification)]
    model = cls(n_estimators=trees, max_features="sqrt" if classification else 1.0, min_samples_leaf=1, n_jobs=1, random_state=seed)
    c0, w0 = time.process_time(), time.perf_counter()
    model.fit(xtr, ytr.astype(np.int64) if classification else ytr)
    fit_cpu, fit_wall = time.process_time() - c0, time.perf_counter() - w0
    p0 = time.perf_counter()
    if classification:
        proba = model.predict_proba(xte)
        full = np.zeros((nte, int(max(ytr.max(), yte.max())) + 1))
        full[:, model.classes_.astype(int)] = proba
        y = yte.astype(int)
        metric = roc_auc_score(y, full[:, 1]) if full.shape[1] == 2 else roc_auc_score(y, full[:, np.unique(y)] / full[:, np.unique(y)].sum(axis=1, keepdims=True), multi_class="ovr", average="weighted", labels=np.unique(y))
    else:
        metric = r2_score(yte, model.predict(xte))
    predict = time.perf_counter() - p0
    print(json.dumps({"fit_cpu": fit_cpu, "fit_wall": fit_wall, "predict": predict, "metric": float(metric)}))


main()
