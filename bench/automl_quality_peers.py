"""Python peers for bench/automl-quality.bench.ts, and the one scorer of every model's test predictions.

Fits three peers on a train split and scores them on its test split, as a user comparing
against Weir would, with Debian's scikit-learn and xgboost:

- HistGradientBoosting with its defaults (classifier or regressor);
- RandomForest (300 trees, median imputation: scikit-learn 1.2's forests take no NaN);
- a time-boxed XGBoost random search with 5-fold CV on the train split (stratified for
  classification), the best configuration refit on the whole train split.

String columns are ordinal-encoded (categories learned on the train split, unseen ones
missing) and passed as numbers, the encoding a user reaches for first. A column whose values
are all ISO dates or date-times (the bench writes Weir's DATE and TIMESTAMP columns as
`2000-01-03` / `2000-01-03T09:30:00.000Z`) or dates with the month's name (`Jan 1 2000`, which
Weir's featurizer reads as a date too) is parsed and passed as numbers instead, as a
scikit-learn user would: year, month, day, weekday and epoch seconds (and hour and minute when
the times are not all midnight). Ordinal codes of dates would make every test date unseen
(missing) to the peers; until stop 28 they did, and the peers' scores on date-driven tables
(sp500_volume, co2_monthly) were negative. A text column whose values are all numbers, plain
or as reports write them (`-1,234,000`, `$5`, `7%`: vega-datasets budget.json's amounts, which
Weir's featurizer reads as numbers), is passed as those numbers (stop 29; a regression label
too, where float() failed on `1,234`). Weir's test
predictions (JSON files written by the bench) are scored here too, by the same code, so
every number in the bench's table comes from one metric implementation: AUC_weighted (the
one-vs-rest AUC of each class present in the test split, weighted by its rows; the plain
AUC for a binary label) or r2.

Usage: python3 automl_quality_peers.py TRAIN.csv TEST.csv LABEL TASK SECONDS SEED THREADS [WEIR_PRED.json ...] [--weir-only] [--hgb-only]
(`--weir-only`: score Weir's predictions only, no peers; `--hgb-only`: HistGradientBoosting the
only peer, no RandomForest, and with SECONDS 0 no XGBoost search.)
Prints one JSON line: {"peers": {name: score}, "weir": {file: score}, "xgb_trials": n, "xgb_best":
{"cv": mean 5-fold CV score, "params": the configuration refit} (null without a search)}.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold


def read(path, label):
    # The label is read as text for classification so class names match Weir's (numbers printed),
    # and only an empty cell is a missing label, as in Weir: pandas' default markers would read a
    # class written "NA" (airports' state, for instance) as missing.
    frame = pd.read_csv(path, dtype={label: str}, keep_default_na=True)
    frame[label] = pd.read_csv(path, usecols=[label], dtype=str, keep_default_na=False)[label].replace("", np.nan)
    return frame


ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
# Dates with the month's name that Weir's featurizer also reads as dates (`Jan 1 2000`: vega-datasets stocks.csv; `19-Sep-03`).
NAMED_MONTH_DATE = r"^\s*([A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}[\s-][A-Za-z]{3,9}\.?,?[\s-](\d{4}|\d{2}))\s*$"


# Numbers as reports write them, which Weir's featurizer reads as numbers (columnValues.ts parseNumber):
# thousands grouped by commas, a currency sign, a percent (`-1,234,000`: vega-datasets budget.json).
FORMATTED_NUMBER = r"^\s*([-+]?)[$€£¥]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?%?\s*$"


def formatted_numbers(column):
    """The column as floats when every value present is a number, plain or formatted (`1,234`, `$5`, `7%`), else None."""
    text = column.dropna().astype(str)
    if len(text) == 0 or not text.str.match(FORMATTED_NUMBER).all():
        return None
    return pd.to_numeric(column.astype(str).str.replace(r"[,$€£¥%\s]", "", regex=True).where(column.notna()), errors="coerce").astype(float)


def number_label(column):
    """A regression label (read as text) as floats: formatted numbers (`1,234,000`) as Weir reads them, others as float() does."""
    formatted = formatted_numbers(column)
    return (formatted if formatted is not None else column.astype(float)).to_numpy()


def dates(column):
    """The column parsed as UTC date-times when every value present is an ISO date or date-time or a date with the month's name, else None."""
    text = column.dropna().astype(str)
    if len(text) == 0:
        return None
    if text.str.match(ISO_DATE).all():
        return pd.to_datetime(column, utc=True, errors="coerce")
    if text.str.match(NAMED_MONTH_DATE).all():
        parsed = pd.to_datetime(column, utc=True, errors="coerce")
        return parsed if parsed.notna().sum() == len(text) else None
    return None


def date_parts(parsed, with_time):
    """Year, month, day, weekday and epoch seconds (hour and minute when the times vary), NaN where missing."""
    parts = {"year": parsed.dt.year, "month": parsed.dt.month, "day": parsed.dt.day, "weekday": parsed.dt.weekday}
    if with_time:
        parts.update(hour=parsed.dt.hour, minute=parsed.dt.minute)
    epoch = (parsed - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    parts["epoch"] = epoch
    return {k: v.astype(float) for k, v in parts.items()}


def encode(train, test, label):
    """Date parts for ISO date columns, ordinal codes for other string columns (learned on train; unseen or missing -> NaN), floats elsewhere."""
    Xtr = train.drop(columns=[label])
    Xte = test.drop(columns=[label])
    out_tr, out_te = {}, {}
    for c in Xtr.columns:
        dtr, dte = dates(Xtr[c]), dates(Xte[c])
        if dtr is not None and (dte is not None or Xte[c].isna().all()):
            dte = dte if dte is not None else pd.to_datetime(Xte[c], utc=True, errors="coerce")
            present = dtr.dropna()
            with_time = bool(((present.dt.hour != 0) | (present.dt.minute != 0)).any())
            for part, values in date_parts(dtr, with_time).items():
                out_tr[f"{c}__{part}"] = values
            for part, values in date_parts(dte, with_time).items():
                out_te[f"{c}__{part}"] = values
            continue
        ntr, nte = (formatted_numbers(Xtr[c]), formatted_numbers(Xte[c])) if Xtr[c].dtype == object else (None, None)
        if ntr is not None and (nte is not None or Xte[c].isna().all()):
            out_tr[c], out_te[c] = ntr, nte if nte is not None else pd.to_numeric(Xte[c], errors="coerce").astype(float)
            continue
        if Xtr[c].dtype == object or Xte[c].dtype == object:
            cats = sorted(set(Xtr[c].dropna().astype(str)))
            index = {v: i for i, v in enumerate(cats)}
            out_tr[c] = Xtr[c].map(lambda v: index.get(str(v), np.nan) if pd.notna(v) else np.nan).astype(float)
            out_te[c] = Xte[c].map(lambda v: index.get(str(v), np.nan) if pd.notna(v) else np.nan).astype(float)
        else:
            out_tr[c] = pd.to_numeric(Xtr[c], errors="coerce").astype(float)
            out_te[c] = pd.to_numeric(Xte[c], errors="coerce").astype(float)
    return pd.DataFrame(out_tr).to_numpy(), pd.DataFrame(out_te).to_numpy()


def auc_weighted(y, proba, k):
    """One-vs-rest AUC per class present (with both outcomes) in y, weighted by the class's rows."""
    if k == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    total, acc = 0, 0.0
    for c in range(k):
        pos = y == c
        n = int(pos.sum())
        if n == 0 or n == len(y):
            continue
        acc += n * roc_auc_score(pos, proba[:, c])
        total += n
    return float(acc / total)


def sample_params(rng):
    return {
        "n_estimators": int(rng.integers(20, 800)),
        "max_depth": int(rng.integers(2, 11)),
        "learning_rate": float(10 ** rng.uniform(-2.3, -0.3)),
        "subsample": float(rng.uniform(0.5, 1.0)),
        "colsample_bytree": float(rng.uniform(0.4, 1.0)),
        "min_child_weight": float(10 ** rng.uniform(-1, 1.3)),
        "reg_lambda": float(10 ** rng.uniform(-3, 1.5)),
        "reg_alpha": float(10 ** rng.uniform(-3, 1)),
        "gamma": float(rng.choice([0.0, 0.0, 0.1, 0.5, 1.0])),
    }


def xgb_fit(X, y, task, k, params, seed, threads):
    """XGBoost's native API, so a fold whose training rows miss a rare class still fits all k outputs."""
    p = {
        "tree_method": "hist",
        "nthread": threads,
        "seed": seed,
        "eta": params["learning_rate"],
        "max_depth": params["max_depth"],
        "subsample": params["subsample"],
        "colsample_bytree": params["colsample_bytree"],
        "min_child_weight": params["min_child_weight"],
        "lambda": params["reg_lambda"],
        "alpha": params["reg_alpha"],
        "gamma": params["gamma"],
    }
    if task == "regression":
        p["objective"] = "reg:squarederror"
    elif k == 2:
        p["objective"] = "binary:logistic"
    else:
        p.update(objective="multi:softprob", num_class=k)
    booster = xgb.train(p, xgb.DMatrix(X, label=y), num_boost_round=params["n_estimators"])

    def predict(Xp):
        out = booster.predict(xgb.DMatrix(Xp))
        if task == "classification" and k == 2:
            return np.column_stack([1 - out, out])
        return out

    return predict


def xgb_search(X, y, task, k, seconds, seed, threads):
    """Random search with 5-fold CV until the budget is spent (a trial that starts in time finishes)."""
    rng = np.random.default_rng(seed)
    if task == "classification":
        # Classes with fewer rows than folds cannot be stratified; sklearn warns and still splits.
        folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(X, y))
    else:
        folds = list(KFold(n_splits=5, shuffle=True, random_state=seed).split(X))
    start = time.perf_counter()
    best, best_params, trials = -np.inf, None, 0
    while time.perf_counter() - start < seconds:
        params = sample_params(rng)
        scores = []
        for tr, va in folds:
            predict = xgb_fit(X[tr], y[tr], task, k, params, seed, threads)
            if task == "regression":
                scores.append(r2_score(y[va], predict(X[va])))
            else:
                scores.append(auc_weighted(y[va], predict(X[va]), k))
        trials += 1
        s = float(np.mean(scores))
        if s > best:
            best, best_params = s, params
    return best_params, trials, best


def main():
    train_path, test_path, label, task, seconds, seed, threads = sys.argv[1:8]
    weir_files = [a for a in sys.argv[8:] if a not in ("--weir-only", "--hgb-only")]
    weir_only = "--weir-only" in sys.argv[8:]
    hgb_only = "--hgb-only" in sys.argv[8:]
    seconds, seed, threads = float(seconds), int(seed), int(threads)
    train, test = read(train_path, label), read(test_path, label)
    Xtr, Xte = encode(train, test, label)
    classes = None
    if task == "classification":
        classes = sorted(set(train[label].dropna()) | set(test[label].dropna()))
        index = {c: i for i, c in enumerate(classes)}
        ytr = train[label].map(index).to_numpy()
        yte = test[label].map(index).to_numpy()
        k = len(classes)
    else:
        ytr, yte = number_label(train[label]), number_label(test[label])
        k = 1

    def score(model_predict_proba=None, pred=None):
        if task == "regression":
            return float(r2_score(yte, pred))
        return auc_weighted(yte, model_predict_proba, k)

    def proba_of(model, X):
        # XGBoost and sklearn only know the classes seen in training; place them in the full class list.
        p = np.zeros((X.shape[0], k))
        p[:, model.classes_] = model.predict_proba(X)
        return p

    peers = {}
    if weir_only:
        pass
    elif task == "classification":
        hgb = HistGradientBoostingClassifier(random_state=seed).fit(Xtr, ytr)
        peers["hgb"] = score(proba_of(hgb, Xte))
        if not hgb_only:
            imp = SimpleImputer(strategy="median", keep_empty_features=True).fit(Xtr)
            rf = RandomForestClassifier(n_estimators=300, n_jobs=threads, random_state=seed).fit(imp.transform(Xtr), ytr)
            peers["rf"] = score(proba_of(rf, imp.transform(Xte)))
    else:
        hgb = HistGradientBoostingRegressor(random_state=seed).fit(Xtr, ytr)
        peers["hgb"] = score(pred=hgb.predict(Xte))
        if not hgb_only:
            imp = SimpleImputer(strategy="median", keep_empty_features=True).fit(Xtr)
            rf = RandomForestRegressor(n_estimators=300, n_jobs=threads, random_state=seed).fit(imp.transform(Xtr), ytr)
            peers["rf"] = score(pred=rf.predict(imp.transform(Xte)))

    xgb_trials, xgb_best = 0, None
    if seconds > 0:
        params, xgb_trials, xgb_cv = xgb_search(Xtr, ytr, task, k, seconds, seed, threads)
        xgb_best = {"cv": xgb_cv, "params": {name: round(v, 4) for name, v in params.items()}}
        predict = xgb_fit(Xtr, ytr, task, k, params, seed, threads)
        peers["xgb_search"] = score(pred=predict(Xte)) if task == "regression" else score(predict(Xte))

    weir = {}
    for f in weir_files:
        with open(f) as fh:
            w = json.load(fh)
        if task == "regression":
            weir[f] = score(pred=np.asarray(w["prediction"], dtype=float))
        else:
            p = np.zeros((len(yte), k))
            for c, values in w["probabilities"].items():
                p[:, classes.index(c)] = values
            weir[f] = score(p)
    print(json.dumps({"peers": peers, "weir": weir, "xgb_trials": xgb_trials, "xgb_best": xgb_best}))


if __name__ == "__main__":
    main()
