"""How a table's column encoding moves Python xgboost on the automl-quality bench's splits.

    /usr/bin/python3 bench/encoding_peer.py TABLE.csv LABEL [SPLIT_SEEDS=0,1,2] [wide]

For a regression table (e.g. fair_affairs, written by bench/automl_quality_tables.py DIR
fair_affairs): the bench's seeded 80/20 split (benchSplit, bench/benchSplit.ts, reproduced
here), then two fixed configurations (the XGBoost search's refit winner on fair_affairs split 0,
depth 2 at learning rate 0.0081 for 754 rounds; the low-signal rule's 4 leaves at 0.05 for 100
rounds) under six encodings of the columns: ordinal codes with missing left NaN (the peer's),
mean/mode imputed, plus missing indicators, NaN plus indicators, codes plus one-hot, and
imputed + indicators + one-hot beside the code (the shape of Weir's featurized matrix; one-hot
up to 16 categories, as Weir's featurizer). `wide` adds HistGradientBoosting-like trees (31
leaves at learning rate 0.1, 200 rounds) for tables with a stronger signal. Prints
per encoding the 5-fold CV r2 (sklearn KFold, seed = the split's) and the test r2 of a refit on
the whole 80%, and their means. docs/automl.md, "The statsmodels misses at 1 minute", stop 27.
"""
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold


def mulberry32(state):
    a = [state & 0xFFFFFFFF]

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def rand():
        a[0] = (a[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = a[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def bench_split(n, seed):
    """benchSplit for regression: one Fisher-Yates shuffle from the end, the first 20% tested."""
    rand = mulberry32(seed * 7 + 12345)
    g = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rand() * (i + 1))
        g[i], g[j] = g[j], g[i]
    n_test = min(n - 1, round(n * 0.2))
    return sorted(g[n_test:]), sorted(g[:n_test])


def encode(frame, label, impute, indicators, onehot):
    out = {}
    for c in frame.columns:
        if c == label:
            continue
        missing = frame[c].isna()
        if frame[c].dtype == object:
            cats = sorted(frame[c].dropna().unique())
            v = frame[c].map({k: i for i, k in enumerate(cats)}).astype(float)
            if impute:
                v = v.fillna(v.mode()[0])
            if onehot and len(cats) <= 16:
                for i, k in enumerate(cats):
                    out[f"{c}={k}"] = (v == i).astype(float) if impute else (frame[c] == k).astype(float)
        else:
            v = frame[c].astype(float)
            if impute:
                v = v.fillna(v.mean())
        out[c] = v
        if indicators and missing.any():
            out[c + "_missing"] = missing.astype(float)
    return pd.DataFrame(out).to_numpy(float)


CONFIGS = {
    "peer d2 lr0.0081 754r": (dict(eta=0.0081, max_depth=2, subsample=0.81, colsample_bytree=0.96, min_child_weight=1.03, reg_lambda=19.75, alpha=0.1), 754),
    "4 leaves lr0.05 100r": (dict(eta=0.05, grow_policy="lossguide", max_leaves=4, max_depth=0, subsample=0.7, colsample_bytree=0.8, min_child_weight=6, reg_lambda=30), 100),
}
ENCODINGS = {
    "codes, NaN (peer)": (0, 0, 0),
    "imputed": (1, 0, 0),
    "imputed + indicators": (1, 1, 0),
    "NaN + indicators": (0, 1, 0),
    "codes + one-hot, NaN": (0, 0, 1),
    "imputed + indicators + one-hot": (1, 1, 1),
}


def main():
    path, label = sys.argv[1], sys.argv[2]
    seeds = [int(s) for s in (sys.argv[3] if len(sys.argv) > 3 else "0,1,2").split(",")]
    configs = dict(CONFIGS)
    if "wide" in sys.argv[4:]:
        configs["31 leaves lr0.1 200r"] = (dict(eta=0.1, grow_policy="lossguide", max_leaves=31, max_depth=0), 200)
    frame = pd.read_csv(path)
    frame = frame[frame[label].notna()].reset_index(drop=True)
    y = frame[label].to_numpy(float)
    for name, (imp, ind, oh) in ENCODINGS.items():
        X = encode(frame, label, imp, ind, oh)
        cells, cvs, tests = [], [], []
        for seed in seeds:
            tr, te = bench_split(len(y), seed)
            folds = list(KFold(5, shuffle=True, random_state=seed).split(tr))
            for cname, (params, rounds) in configs.items():
                p = dict(params, tree_method="hist", objective="reg:squarederror", nthread=1, seed=0)
                Xtr, ytr = X[tr], y[tr]
                oof = np.zeros(len(tr))
                for a, b in folds:
                    oof[b] = xgb.train(p, xgb.DMatrix(Xtr[a], label=ytr[a]), rounds).predict(xgb.DMatrix(Xtr[b]))
                full = xgb.train(p, xgb.DMatrix(Xtr, label=ytr), rounds)
                cv, test = r2_score(ytr, oof), r2_score(y[te], full.predict(xgb.DMatrix(X[te])))
                cvs.append(cv)
                tests.append(test)
                cells.append(f"s{seed} {cname.split()[0]} {cv:.4f}/{test:.4f}")
        print(f"{name:32s} mean CV {np.mean(cvs):.4f} test {np.mean(tests):.4f} | {'  '.join(cells)}", flush=True)


if __name__ == "__main__":
    main()
