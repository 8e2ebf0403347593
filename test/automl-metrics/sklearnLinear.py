"""Reference fits for Weir's linear model families, with scikit-learn on standardized data.

Reads JSON cases on stdin ({model, X (rows), y, params}) and prints, per case, the
predictions scikit-learn's equivalent estimator makes on the training rows: probabilities
(row-major) for LogisticRegression, values for ElasticNet. L2 logistic regression uses
newton-cg, because lbfgs stops at a looser objective tolerance than the test needs. Weir
standardizes with the population standard deviation, as StandardScaler does, so both fit
the same problem.
"""
import json
import sys
import warnings

import numpy as np
from sklearn.linear_model import ElasticNet, LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
out = []
for case in json.load(sys.stdin):
    X = StandardScaler().fit_transform(np.asarray(case["X"], dtype=float))
    y = np.asarray(case["y"])
    p = case["params"]
    if case["model"] == "LogisticRegression":
        l1 = p.get("l1_ratio", 0)
        if l1 == 0:
            model = LogisticRegression(C=p["C"], penalty="l2", solver="newton-cg", tol=1e-12, max_iter=100000, multi_class="auto")
        else:
            model = LogisticRegression(C=p["C"], penalty="elasticnet", l1_ratio=l1, solver="saga", tol=1e-12, max_iter=200000, multi_class="auto")
        model.fit(X, y.astype(int))
        out.append(model.predict_proba(X).ravel().tolist())
    else:
        model = ElasticNet(alpha=p["alpha"], l1_ratio=p["l1_ratio"], tol=1e-12, max_iter=1000000)
        model.fit(X, y.astype(float))
        out.append(model.predict(X).tolist())
json.dump(out, sys.stdout)
