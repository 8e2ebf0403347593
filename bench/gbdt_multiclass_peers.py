"""Peers for bench/gbdt-multiclass.bench.ts: Debian's XGBoost 1.7.4 (tree_method hist, nthread 1
and 2) and scikit-learn's HistGradientBoostingClassifier on the same fit/hold-out rows.

Usage: python3 gbdt_multiclass_peers.py JOB.json   (writes JOB['out'])
The job names raw float32 files (column-major features, labels) written by the bench.
"""
import json
import os
import sys
import time

import numpy as np


def load(job, name, rows):
    cols = job["cols"]
    x = np.fromfile(os.path.join(job["dir"], f"{name}_x.bin"), dtype=np.float32).reshape(cols, rows).T.copy()
    y = np.fromfile(os.path.join(job["dir"], f"{name}_y.bin"), dtype=np.float32)
    return x, y


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def main():
    job = json.load(open(sys.argv[1]))
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier

    xf, yf = load(job, "fit", job["fit_rows"])
    xh, yh = load(job, "hold", job["hold_rows"])
    rounds = job["rounds"]
    results = []
    dfit = xgb.DMatrix(xf, label=yf)
    dhold = xgb.DMatrix(xh, label=yh)
    for case in job["cases"]:
        for nthread in (1, 2):
            params = dict(case["params"], tree_method="hist", nthread=nthread, eval_metric="mlogloss")
            hist = {}
            booster, wall, cpu = timed(lambda: xgb.train(params, dfit, rounds, evals=[(dhold, "valid")], evals_result=hist, verbose_eval=False))
            pred = booster.predict(dhold)
            results.append({"who": f"xgboost nthread={nthread}", "case": case["name"], "wall": wall, "cpu": cpu,
                            "mlogloss": hist["valid"]["mlogloss"][-1], "pred": pred.ravel().tolist() if nthread == 1 else None})
        hgb = HistGradientBoostingClassifier(max_iter=rounds, learning_rate=case["params"]["eta"], early_stopping=False,
                                             max_leaf_nodes=case["hgb_leaves"], max_depth=case["hgb_depth"], random_state=0)
        _, wall, cpu = timed(lambda: hgb.fit(xf, yf))
        p = np.clip(hgb.predict_proba(xh), 1e-15, 1)
        ll = float(-np.mean(np.log(p[np.arange(len(yh)), yh.astype(int)])))
        results.append({"who": "sklearn HistGradientBoosting", "case": case["name"], "wall": wall, "cpu": cpu, "mlogloss": ll, "pred": None})
    json.dump({"results": results, "threads_hgb": os.environ.get("OMP_NUM_THREADS", "default")}, open(job["out"], "w"))


if __name__ == "__main__":
    main()
