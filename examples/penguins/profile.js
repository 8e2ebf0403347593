// Profiles the cleaned penguins table: rows per species and the mean of each measurement.
// It reads the Parquet file with DuckDB (a dependency of Weir) and writes JSON, showing how
// a script step gets its input and output paths as arguments.
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const [input, output] = process.argv.slice(2);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const quoted = (p) => `'${p.replace(/'/g, "''")}'`;
  const reader = await connection.runAndReadAll(`
    SELECT species, count(*)::INT AS rows,
           round(avg(beak_length_mm), 2) AS beak_length_mm,
           round(avg(flipper_length_mm), 1) AS flipper_length_mm,
           round(avg(body_mass_g), 0) AS body_mass_g
    FROM read_parquet(${quoted(input)}) GROUP BY species ORDER BY species`);
  const bySpecies = reader.getRowObjectsJson();
  for (const row of bySpecies) console.log(`${row.species}: ${row.rows} penguins, mean body mass ${row.body_mass_g} g`);
  connection.closeSync();
  instance.closeSync();
  require('node:fs').writeFileSync(output, `${JSON.stringify({ species: bySpecies }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
