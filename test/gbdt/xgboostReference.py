"""Reference runs of Python's XGBoost for Weir's parity tests and benchmark.

Usage: python3 xgboostReference.py JOB.json (one job or a list of jobs)
JOB: {"dir": folder with raw little-endian float32 files, "rows", "cols",
      "train": {"x": "train_x.bin" (column-major), "y": "train_y.bin"},
      "test": {"x": "test_x.bin"}, "holdout": optional {"x", "rows"} predicted untimed,
      "params": {...}, "num_boost_round": N,
      "weir_model": optional path of a Weir JSON model to load and predict with,
      "weir_contribs": optional, also write its pred_contribs (SHAP values),
      "out": result JSON path}
Writes predictions as raw float32 files next to the inputs and timings to "out".
"""
import json
import os
import resource
import sys
import time

import numpy as np
import xgboost as xgb


def load_matrix(path, rows, cols):
    flat = np.fromfile(path, dtype="<f4")
    assert flat.size == rows * cols, (path, flat.size, rows, cols)
    # Column-major on disk; XGBoost wants rows, so a Fortran-ordered view is transposed once.
    return np.ascontiguousarray(flat.reshape(cols, rows).T)


def main():
    jobs = json.load(open(sys.argv[1]))
    # One process for many jobs: importing xgboost costs about a second.
    for job in jobs if isinstance(jobs, list) else [jobs]:
        run(job)


def run(job):
    d = job["dir"]
    result = {}
    tr, te = job["train"], job["test"]
    x_train = load_matrix(os.path.join(d, tr["x"]), tr["rows"], job["cols"])
    y_train = np.fromfile(os.path.join(d, tr["y"]), dtype="<f4")
    x_test = x_train if te["x"] == tr["x"] else load_matrix(os.path.join(d, te["x"]), te["rows"], job["cols"])
    names = job.get("feature_names")
    params = dict(job["params"])
    params.update({"tree_method": "hist", "nthread": 1})
    if job.get("train_native", True):
        t0, c0 = time.perf_counter(), time.process_time()
        dtrain = xgb.DMatrix(x_train, label=y_train, nthread=1, feature_names=names)
        booster = xgb.train(params, dtrain, num_boost_round=job["num_boost_round"])
        result["train_seconds"] = time.perf_counter() - t0
        result["train_cpu_seconds"] = time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        dtest = xgb.DMatrix(x_test, nthread=1, feature_names=names)
        pred = booster.predict(dtest)
        result["predict_seconds"] = time.perf_counter() - t0
        result["predict_cpu_seconds"] = time.process_time() - c0
        pred.astype("<f4").tofile(os.path.join(d, "native_pred.bin"))
        if job.get("holdout"):
            ho = job["holdout"]
            x_ho = load_matrix(os.path.join(d, ho["x"]), ho["rows"], job["cols"])
            booster.predict(xgb.DMatrix(x_ho, nthread=1, feature_names=names)).astype("<f4").tofile(os.path.join(d, "native_holdout_pred.bin"))
        if job.get("save_native_model"):
            booster.save_model(job["save_native_model"])
    if job.get("weir_model"):
        weir = xgb.Booster(model_file=job["weir_model"])
        weir.set_param({"nthread": 1})
        dtest = xgb.DMatrix(x_test, nthread=1, feature_names=names)
        weir.predict(dtest).astype("<f4").tofile(os.path.join(d, "weir_model_pred.bin"))
        if job.get("weir_contribs"):
            weir.predict(dtest, pred_contribs=True).astype("<f4").tofile(os.path.join(d, "weir_model_contribs.bin"))
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(result, open(job["out"], "w"))


if __name__ == "__main__":
    main()
