"""XGBoost's own SHAP values for a Weir model, for Weir's TreeSHAP parity test and bench.

Usage: python3 xgboostContribs.py JOB.json
JOB: {"model": Weir's XGBoost JSON file, "x": raw little-endian float32 matrix, column-major,
      "rows", "cols", "out": folder, "nthread": optional (default 1), "repeat": optional}
Writes contribs.bin (float32, rows x groups x (cols + 1), the last column the bias, as
pred_contribs=True returns it), margin.bin (float32, rows x groups) and timing.json
({"seconds": best wall time of pred_contribs over the repeats, "cpu_seconds"}).
"""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb


def main():
    job = json.load(open(sys.argv[1]))
    rows, cols = job["rows"], job["cols"]
    flat = np.fromfile(job["x"], dtype="<f4")
    assert flat.size == rows * cols, (flat.size, rows, cols)
    x = np.ascontiguousarray(flat.reshape(cols, rows).T)
    nthread = job.get("nthread", 1)
    booster = xgb.Booster(model_file=job["model"])
    booster.set_param({"nthread": nthread})
    # The model names its features when Weir trained it with names; the matrix must match.
    dm = xgb.DMatrix(x, nthread=nthread, feature_names=booster.feature_names)
    best, best_cpu = None, None
    contribs = None
    for _ in range(job.get("repeat", 1)):
        t0, c0 = time.perf_counter(), time.process_time()
        contribs = booster.predict(dm, pred_contribs=True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if best is None or wall < best:
            best, best_cpu = wall, cpu
    margin = booster.predict(dm, output_margin=True)
    out = job["out"]
    np.ascontiguousarray(contribs, dtype="<f4").tofile(os.path.join(out, "contribs.bin"))
    np.ascontiguousarray(margin, dtype="<f4").tofile(os.path.join(out, "margin.bin"))
    json.dump({"seconds": best, "cpu_seconds": best_cpu, "shape": list(contribs.shape)}, open(os.path.join(out, "timing.json"), "w"))


if __name__ == "__main__":
    main()
