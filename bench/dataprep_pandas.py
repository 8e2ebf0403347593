"""The Azure article's data prep (dataprep.py), run on a CSV instead of an Azure dataset.

The prepare_* functions follow the article line for line so the benchmark and the parity
test compare Weir's DuckDB SQL against what the article actually does. The article writes
Parquet with pyarrow; Debian's python3 may lack pyarrow, so the output is CSV.

Usage: python3 dataprep_pandas.py INPUT.csv OUTPUT.csv
"""
import sys
import time

import numpy as np
import pandas as pd

RANDOM_SEED = 42


def prepare_age(df):
    # Fill in missing Age values from distribution of present Age values
    mean = df["Age"].mean()
    std = df["Age"].std()
    is_null = df["Age"].isnull().sum()
    # compute enough (== is_null().sum()) random numbers between the mean, std
    rand_age = np.random.randint(mean - std, mean + std, size=is_null)
    # fill NaN values in Age column with random values generated
    age_slice = df["Age"].copy()
    age_slice[np.isnan(age_slice)] = rand_age
    df["Age"] = age_slice
    df["Age"] = df["Age"].astype(int)

    # Quantize age into 5 classes
    df['Age_Group'] = pd.qcut(df['Age'], 5, labels=False)
    df.drop(['Age'], axis=1, inplace=True)
    return df


def prepare_fare(df):
    df['Fare'].fillna(0, inplace=True)
    df['Fare_Group'] = pd.qcut(df['Fare'], 5, labels=False)
    df.drop(['Fare'], axis=1, inplace=True)
    return df


def prepare_genders(df):
    genders = {"male": 0, "female": 1, "unknown": 2}
    df['Sex'] = df['Sex'].map(genders)
    df['Sex'].fillna(2, inplace=True)
    df['Sex'] = df['Sex'].astype(int)
    return df


def prepare_embarked(df):
    df['Embarked'].replace('', 'U', inplace=True)
    df['Embarked'].fillna('U', inplace=True)
    ports = {"S": 0, "C": 1, "Q": 2, "U": 3}
    df['Embarked'] = df['Embarked'].map(ports)
    return df


def main():
    source, target = sys.argv[1], sys.argv[2]
    np.random.seed(RANDOM_SEED)
    started = time.perf_counter()
    df = pd.read_csv(source).drop(['PassengerId', 'Name', 'Ticket', 'Cabin'], axis=1)
    read = time.perf_counter()
    df = prepare_embarked(prepare_genders(prepare_fare(prepare_age(df))))
    prepped = time.perf_counter()
    df.to_csv(target, index=False)
    done = time.perf_counter()
    print(f"rows={len(df)} read_s={read - started:.3f} prep_s={prepped - read:.3f} write_s={done - prepped:.3f} total_s={done - started:.3f}")


if __name__ == '__main__':
    main()
