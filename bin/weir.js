#!/usr/bin/env node
'use strict';
// The published CLI is the esbuild bundle of engine/src/cli/main.ts; `npm run build` makes it.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`weir: ${bundle} is missing; run \`npm run build\` first.\n`);
  process.exit(2);
}
// main.ts runs only when it is the entry module or this variable says so; here it is required.
process.env.WEIR_CLI_MAIN = '1';
require(bundle);
