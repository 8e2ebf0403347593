-- The article's data prep (dataprep.py, pandas) in DuckDB SQL. The input `titanic` is the
-- registered dataset; the last statement's result becomes the step's Parquet output
-- `prepped`. The statistics are computed first into variables, so the last statement is a
-- plain projection: DuckDB streams it in parallel and keeps the input's row order (as
-- pandas does) without sorting.

-- prepare_age fills a missing age with numpy's randint(mean - std, mean + std): an integer
-- in [trunc(mean - std), trunc(mean + std)). A hash of the passenger id and the seed 42
-- stands in for numpy's generator, so the fill is reproducible and independent of how many
-- threads DuckDB uses. astype(int) then truncates toward zero, as trunc() does (a plain
-- CAST would round).
CREATE OR REPLACE TEMP MACRO filled_age(age, passenger_id, low, high) AS
  CAST(trunc(coalesce(age, low + hash(passenger_id, 42) % CAST(high - low AS UBIGINT))) AS BIGINT);

SET VARIABLE age_range = (
  SELECT {'low': trunc(avg(Age) - stddev_samp(Age)), 'high': trunc(avg(Age) + stddev_samp(Age))} FROM titanic
);
SET VARIABLE age_low = getvariable('age_range').low;
SET VARIABLE age_high = getvariable('age_range').high;

-- pd.qcut(x, 5, labels=False): quintile edges by linear interpolation (quantile_cont, as
-- numpy's percentile); bins are right-closed and the lowest value falls in bin 0.
-- prepare_fare fills missing fares with 0 first. Both in one pass over the table.
SET VARIABLE edges = (
  SELECT {
    'age': quantile_cont(filled_age(Age, PassengerId, getvariable('age_low'), getvariable('age_high')), [0.2, 0.4, 0.6, 0.8]),
    'fare': quantile_cont(coalesce(Fare, 0), [0.2, 0.4, 0.6, 0.8])
  }
  FROM titanic
);
SET VARIABLE age_edges = getvariable('edges').age;
SET VARIABLE fare_edges = getvariable('edges').fare;

WITH filled AS (
  SELECT
    *,
    filled_age(Age, PassengerId, getvariable('age_low'), getvariable('age_high')) AS age_filled,
    coalesce(Fare, 0) AS fare_filled
  FROM titanic
)
-- The article drops PassengerId, Name, Ticket and Cabin; Age and Fare become their groups.
SELECT
  Survived,
  Pclass,
  -- prepare_genders: male 0, female 1, anything else (unknown or missing) 2.
  CAST(CASE Sex WHEN 'male' THEN 0 WHEN 'female' THEN 1 ELSE 2 END AS BIGINT) AS Sex,
  SibSp,
  Parch,
  -- prepare_embarked: empty or missing ports become 'U' (3); other letters have no code.
  CAST(CASE coalesce(nullif(Embarked, ''), 'U')
    WHEN 'S' THEN 0 WHEN 'C' THEN 1 WHEN 'Q' THEN 2 WHEN 'U' THEN 3
  END AS BIGINT) AS Embarked,
  CAST(age_filled > getvariable('age_edges')[1] AS BIGINT) + CAST(age_filled > getvariable('age_edges')[2] AS BIGINT)
    + CAST(age_filled > getvariable('age_edges')[3] AS BIGINT) + CAST(age_filled > getvariable('age_edges')[4] AS BIGINT) AS Age_Group,
  CAST(fare_filled > getvariable('fare_edges')[1] AS BIGINT) + CAST(fare_filled > getvariable('fare_edges')[2] AS BIGINT)
    + CAST(fare_filled > getvariable('fare_edges')[3] AS BIGINT) + CAST(fare_filled > getvariable('fare_edges')[4] AS BIGINT) AS Fare_Group
FROM filled
