-- Cleans the Palmer penguins table for classification of Species: snake_case column
-- names, rows without measurements or sex dropped, and the sex normalised to lower case.
SELECT
  Species AS species,
  Island AS island,
  "Beak Length (mm)" AS beak_length_mm,
  "Beak Depth (mm)" AS beak_depth_mm,
  "Flipper Length (mm)" AS flipper_length_mm,
  "Body Mass (g)" AS body_mass_g,
  lower(Sex) AS sex
FROM penguins
WHERE "Beak Length (mm)" IS NOT NULL
  AND "Body Mass (g)" >= ${{ parameters.min_body_mass }}
  AND Sex IN ('MALE', 'FEMALE')
ORDER BY species, island
