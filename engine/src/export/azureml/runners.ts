/**
 * The small programs `weir export azureml` writes into the export folder's `src/`, and the
 * environments they run in. They are kept here as text (not as files beside the bundle) so
 * the single-file CLI bundle can write them without locating extra assets at run time.
 * Each one does on Azure what the corresponding Weir step kind does locally.
 */

/** Azure's Ubuntu base image that conda environments are built on (from Azure's own samples). */
export const AZURE_BASE_IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest';

/** Azure's curated AutoML environment: it can load the MLflow models AutoML jobs write. */
export const AZURE_AUTOML_ENVIRONMENT = 'azureml:AzureML-AutoML@latest';

/** A Node image for `script` steps that run JavaScript and for `--automl weir`. */
export const NODE_IMAGE = 'node:20-bookworm-slim';

/** The MLTable file written beside a single Parquet file (Azure's MLTable YAML, read_parquet). */
export const PARQUET_MLTABLE = [
  '$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json',
  'type: mltable',
  'paths:',
  '  - file: ./data.parquet',
  'transformations:',
  '  - read_parquet',
  '',
].join('\n');

export const DUCKDB_ENVIRONMENT = [
  '# The environment of the sql steps: DuckDB, as in `weir run`.',
  'name: weir-duckdb',
  'channels:',
  '  - conda-forge',
  'dependencies:',
  '  - python=3.11',
  '  - pip',
  '  - pip:',
  '      - duckdb>=1.1,<2',
  '',
].join('\n');

export const MLFLOW_ENVIRONMENT = [
  '# The environment of the register_model steps: MLflow with the Azure ML tracking plug-in.',
  'name: weir-mlflow',
  'channels:',
  '  - conda-forge',
  'dependencies:',
  '  - python=3.11',
  '  - pip',
  '  - pip:',
  '      - mlflow>=2.10,<3',
  '      - azureml-mlflow',
  '',
].join('\n');

export const PYTHON_ENVIRONMENT = [
  '# The environment of the script steps. Add the packages your scripts import here.',
  'name: weir-python',
  'channels:',
  '  - conda-forge',
  'dependencies:',
  '  - python=3.11',
  '  - pip',
  '',
].join('\n');

export const SQL_RUNNER = String.raw`"""Runs one Weir sql step on Azure Machine Learning (written by weir export azureml).

Each --input NAME=PATH becomes a DuckDB view named NAME, as in weir run: a Parquet, CSV,
TSV or JSON file, or a folder of them (an MLTable folder's data files). ${"${{ parameters.NAME }}"}
in the SQL is replaced by the --param value as text. The statements run in order and the
last one's result is written as data.parquet into the output folder, with an MLTable file
beside it so AutoML and later steps can read the folder as a table.
"""
import argparse
import os
import re
import sys

import duckdb

READERS = {
    ".parquet": "read_parquet",
    ".csv": "read_csv_auto",
    ".tsv": "read_csv_auto",
    ".txt": "read_csv_auto",
    ".json": "read_json_auto",
    ".ndjson": "read_json_auto",
    ".jsonl": "read_json_auto",
}
PARAMETER = re.compile(r"\$\{\{\s*parameters\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MLTABLE = """${PARQUET_MLTABLE}"""


def fail(message):
    sys.exit("weir_sql: " + message)


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def identifier(name):
    return '"' + name.replace('"', '""') + '"'


def data_files(path):
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        fail("input not found: " + path)
    found = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            if os.path.splitext(name)[1].lower() in READERS:
                found.append(os.path.join(root, name))
    if not found:
        fail("no Parquet, CSV or JSON files in input folder " + path)
    return sorted(found)


def view_for(name, path):
    files = data_files(path)
    readers = {READERS.get(os.path.splitext(f)[1].lower()) for f in files}
    if None in readers:
        fail("input " + name + ": cannot read " + files[0] + " (Parquet, CSV, TSV or JSON expected)")
    if len(readers) > 1:
        fail("input " + name + " mixes file types: " + ", ".join(files))
    listing = "[" + ", ".join(literal(f) for f in files) + "]"
    return "CREATE VIEW " + identifier(name) + " AS SELECT * FROM " + readers.pop() + "(" + listing + ")"


def pair(text):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE, got " + repr(text))
    return name, value


def main():
    parser = argparse.ArgumentParser(description="Runs a Weir sql step with DuckDB.")
    parser.add_argument("--sql", required=True, help="the SQL file")
    parser.add_argument("--input", type=pair, action="append", default=[], help="NAME=PATH, a view of that name")
    parser.add_argument("--param", type=pair, action="append", default=[], help="NAME=VALUE for parameters in the SQL")
    parser.add_argument("--output", required=True, help="the output folder")
    args = parser.parse_args()
    params = dict(args.param)
    with open(args.sql, encoding="utf-8") as f:
        text = f.read()

    def substitute(match):
        if match.group(1) not in params:
            fail(args.sql + " uses parameter " + match.group(1) + ", which the job was not given")
        return params[match.group(1)]

    text = PARAMETER.sub(substitute, text)
    con = duckdb.connect()
    for name, path in args.input:
        con.execute(view_for(name, path))
    statements = con.extract_statements(text)
    if not statements:
        fail(args.sql + " has no statements")
    for statement in statements[:-1]:
        con.execute(statement.query)
    os.makedirs(args.output, exist_ok=True)
    target = os.path.join(args.output, "data.parquet")
    # The newlines keep a trailing comment in the last statement from swallowing the parenthesis.
    con.execute("COPY (\n" + statements[-1].query + "\n) TO " + literal(target) + " (FORMAT parquet)")
    with open(os.path.join(args.output, "MLTable"), "w", encoding="utf-8") as f:
        f.write(MLTABLE)
    rows = con.execute("SELECT count(*) FROM read_parquet(" + literal(target) + ")").fetchone()[0]
    print("weir_sql: wrote " + str(rows) + " rows to " + target)


if __name__ == "__main__":
    main()
`;

export const REGISTER_RUNNER = String.raw`"""Runs one Weir register_model step on Azure Machine Learning (written by weir export azureml).

Logs the model folder as an artifact of this job's MLflow run (Azure ML points MLflow at the
job's run) and registers it as a model version, with the step's tags and description, so
the version keeps the job as its lineage as weir run's registry does.
"""
import argparse

import mlflow
from mlflow.tracking import MlflowClient


def pair(text):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE, got " + repr(text))
    return name, value


def main():
    parser = argparse.ArgumentParser(description="Registers a model folder with MLflow.")
    parser.add_argument("--model", required=True, help="the model folder")
    parser.add_argument("--name", required=True, help="the registered model's name")
    parser.add_argument("--description", default=None)
    parser.add_argument("--tag", type=pair, action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args()
    tags = dict(args.tag)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(args.model, artifact_path="model")
        version = mlflow.register_model("runs:/" + run.info.run_id + "/model", args.name, tags=tags)
    if args.description:
        MlflowClient().update_model_version(args.name, version.version, description=args.description)
    print("weir_register: registered " + args.name + " version " + str(version.version))


if __name__ == "__main__":
    main()
`;

export const SCORE_RUNNER = String.raw`"""Runs one Weir score step on Azure Machine Learning (written by weir export azureml).

Loads the MLflow model an automl job wrote, predicts every row of the data (a Parquet or
CSV file, or a folder of them) and writes the rows with a prediction column, and for
classifiers probability_<class> columns, as data.parquet plus an MLTable file.
"""
import argparse
import os

import mlflow
import pandas as pd

MLTABLE = """${PARQUET_MLTABLE}"""


def data_files(path):
    if os.path.isfile(path):
        return [path]
    found = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            if os.path.splitext(name)[1].lower() in (".parquet", ".csv"):
                found.append(os.path.join(root, name))
    if not found:
        raise SystemExit("weir_score: no Parquet or CSV files in " + path)
    return sorted(found)


def read(path):
    return pd.read_parquet(path) if path.lower().endswith(".parquet") else pd.read_csv(path)


def main():
    parser = argparse.ArgumentParser(description="Scores a table with an MLflow model.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--prediction-only", action="store_true", help="leave the input columns out")
    args = parser.parse_args()
    frame = pd.concat([read(f) for f in data_files(args.data)], ignore_index=True)
    model = mlflow.pyfunc.load_model(args.model)
    predicted = model.predict(frame)
    out = pd.DataFrame(index=frame.index) if args.prediction_only else frame.copy()
    out["prediction"] = predicted.iloc[:, 0].to_numpy() if isinstance(predicted, pd.DataFrame) else list(predicted)
    try:
        estimator = mlflow.sklearn.load_model(args.model)
        if hasattr(estimator, "predict_proba"):
            for i, label in enumerate(estimator.classes_):
                out["probability_" + str(label)] = estimator.predict_proba(frame)[:, i]
    except Exception as error:  # a model without the sklearn flavour has no probabilities
        print("weir_score: no class probabilities (" + str(error) + ")")
    os.makedirs(args.output, exist_ok=True)
    out.to_parquet(os.path.join(args.output, "data.parquet"), index=False)
    with open(os.path.join(args.output, "MLTable"), "w", encoding="utf-8") as f:
        f.write(MLTABLE)
    print("weir_score: scored " + str(len(frame)) + " rows")


if __name__ == "__main__":
    main()
`;
