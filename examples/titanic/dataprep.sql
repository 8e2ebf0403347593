-- The article's data prep (dataprep.py, pandas) as one DuckDB query.
-- The input `titanic` is a view over the registered dataset; the result becomes the
-- step's Parquet output `prepped`. Each CTE mirrors one prepare_* function.

WITH
-- The article drops the columns AutoML should not learn from. PassengerId is kept until
-- the end because it seeds the random ages below.
base AS (
  SELECT * EXCLUDE (Name, Ticket, Cabin) FROM titanic
),

-- prepare_age: numpy's randint(mean - std, mean + std) draws integers in
-- [trunc(mean - std), trunc(mean + std)). A hash of the row id and the seed 42 stands in
-- for numpy's generator so the fill is reproducible and does not depend on how many
-- threads DuckDB uses.
age_stats AS (
  SELECT avg(Age) AS mean, stddev_samp(Age) AS std FROM base
),
aged AS (
  SELECT
    b.* EXCLUDE (Age, Fare),
    -- astype(int) truncates toward zero, as does trunc(); a plain CAST would round.
    CAST(trunc(coalesce(
      b.Age,
      trunc(s.mean - s.std)
        + hash(b.PassengerId, 42) % CAST(trunc(s.mean + s.std) - trunc(s.mean - s.std) AS UBIGINT)
    )) AS BIGINT) AS Age,
    -- prepare_fare: fillna(0).
    coalesce(b.Fare, 0) AS Fare
  FROM base b, age_stats s
),

-- pd.qcut(x, 5, labels=False): quintile edges by linear interpolation (quantile_cont, as
-- numpy's percentile), right-closed bins, the lowest value in bin 0.
edges AS (
  SELECT
    quantile_cont(Age, [0.2, 0.4, 0.6, 0.8]) AS age_edges,
    quantile_cont(Fare, [0.2, 0.4, 0.6, 0.8]) AS fare_edges
  FROM aged
)

SELECT
  Survived,
  Pclass,
  -- prepare_genders: male 0, female 1, anything else (unknown or missing) 2.
  CAST(CASE Sex WHEN 'male' THEN 0 WHEN 'female' THEN 1 ELSE 2 END AS BIGINT) AS Sex,
  SibSp,
  Parch,
  -- prepare_embarked: empty or missing ports become 'U' (3); other letters have no code.
  CAST(CASE coalesce(nullif(trim(Embarked), ''), 'U')
    WHEN 'S' THEN 0 WHEN 'C' THEN 1 WHEN 'Q' THEN 2 WHEN 'U' THEN 3
  END AS BIGINT) AS Embarked,
  CAST((Age > age_edges[1]) AS BIGINT) + CAST((Age > age_edges[2]) AS BIGINT)
    + CAST((Age > age_edges[3]) AS BIGINT) + CAST((Age > age_edges[4]) AS BIGINT) AS Age_Group,
  CAST((Fare > fare_edges[1]) AS BIGINT) + CAST((Fare > fare_edges[2]) AS BIGINT)
    + CAST((Fare > fare_edges[3]) AS BIGINT) + CAST((Fare > fare_edges[4]) AS BIGINT) AS Fare_Group
FROM aged, edges
ORDER BY PassengerId
