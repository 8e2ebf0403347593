"""Proxy tables for bench/automl-quality.bench.ts: small public tables that Debian's python3-sklearn ships.

scikit-learn's package carries a few public tables in sklearn/datasets/data/ that load with no
download. This writes the named ones as CSV files into OUTDIR (a temporary folder of the bench,
never committed) with the label as a named column, and prints one JSON line describing them:
[{"name", "file", "label", "task", "source"}, ...].

- breast_cancer: Wisconsin Diagnostic Breast Cancer (UCI), 569 rows, 30 numeric, binary label
  (malignant/benign);
- digits: UCI Optical Recognition of Handwritten Digits (test part), 1797 rows, 64 pixel counts
  0-16, 10 classes;
- wine: UCI Wine, 178 rows, 13 numeric, 3 cultivars;
- iris: Fisher's Iris, 150 rows, 4 numeric, 3 species;
- diabetes: Efron et al. (2004) diabetes progression, 442 rows, 10 unscaled columns (sex 1/2),
  regression;
- boston: Harrison & Rubinfeld (1978) Boston house prices, 506 rows, 13 numeric, regression of
  MEDV. scikit-learn 1.2 removed `load_boston` (its B column encodes a racist assumption) but
  still ships the CSV; it is read as written, as a proxy for the tables users bring.

Usage: python3 automl_quality_tables.py OUTDIR NAME [NAME ...]
Exits with status 3 and a reason on stderr when scikit-learn cannot be imported.
"""
import json
import os
import sys

try:
    import pandas as pd
    from sklearn import datasets
except ImportError as e:  # the bench prints the reason and skips these tables
    print(f"scikit-learn/pandas not importable: {e}", file=sys.stderr)
    sys.exit(3)


def classification(bunch, label):
    """The features and the label as class names (as a user's table would have them), not codes."""
    frame = bunch.frame.drop(columns=["target"])
    names = list(bunch.target_names)
    frame[label] = [str(names[int(t)]) for t in bunch.target]
    return frame


def boston():
    path = os.path.join(os.path.dirname(datasets.__file__), "data", "boston_house_prices.csv")
    # The first line holds the row and column counts; the second the column names.
    return pd.read_csv(path, skiprows=1)


def load(name):
    """(frame, label, task, source) of one table."""
    if name == "breast_cancer":
        return classification(datasets.load_breast_cancer(as_frame=True), "diagnosis"), "diagnosis", "classification", "sklearn load_breast_cancer (UCI WDBC)"
    if name == "digits":
        return classification(datasets.load_digits(as_frame=True), "digit"), "digit", "classification", "sklearn load_digits (UCI optdigits)"
    if name == "wine":
        return classification(datasets.load_wine(as_frame=True), "cultivar"), "cultivar", "classification", "sklearn load_wine (UCI Wine)"
    if name == "iris":
        return classification(datasets.load_iris(as_frame=True), "species"), "species", "classification", "sklearn load_iris"
    if name == "diabetes":
        frame = datasets.load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
        return frame, "progression", "regression", "sklearn load_diabetes(scaled=False)"
    if name == "boston":
        return boston(), "MEDV", "regression", "sklearn data/boston_house_prices.csv"
    raise SystemExit(f"unknown table {name}")


def main():
    out, names = sys.argv[1], sys.argv[2:]
    described = []
    for name in names:
        frame, label, task, source = load(name)
        file = os.path.join(out, f"{name}.csv")
        frame.to_csv(file, index=False)
        described.append({"name": name, "file": file, "label": label, "task": task, "source": source})
    print(json.dumps(described))


if __name__ == "__main__":
    main()
