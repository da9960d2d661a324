// Writes schema/revnet.schema.json from engine/model/schema.ts: `npm run schema`.
// `npm run schema -- --check` only says whether the checked-in file is up to date (exit 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaJson } from '../engine/model/schema';

const target = join(__dirname, '..', 'schema', 'revnet.schema.json');
const text = renderSchemaJson();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // a missing file is out of date
  }
  if (current !== text) {
    process.stderr.write(`${target} is out of date; run "npm run schema"\n`);
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
