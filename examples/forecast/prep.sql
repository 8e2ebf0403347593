-- Keep the date and the raw monthly mean. `adjusted CO2` is the seasonally adjusted form of
-- the same measurement: as a feature it would leak the answer, so it is left out.
SELECT CAST(Date AS DATE) AS Date, CO2
FROM co2
WHERE CO2 IS NOT NULL
ORDER BY Date
