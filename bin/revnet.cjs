#!/usr/bin/env node
// The `revnet` command: runs the built CLI bundle, or the TypeScript sources through tsx in a checkout that was not built.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cli.js');
if (existsSync(built)) {
  require(built);
} else {
  // The CLI loads its subcommands with dynamic import(), which needs tsx's ESM hooks: `--import tsx`
  // (require('tsx/cjs') covers require() only, and tsx's register API fails from a .cjs file in tsx 4.20).
  const { spawnSync } = require('node:child_process');
  const main = join(__dirname, '..', 'engine', 'cli', 'main.ts');
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: process.cwd(),
  });
  if (result.error) {
    process.stderr.write(`revnet: could not start the CLI: ${result.error.message}\n`);
    process.exitCode = 1;
  } else {
    process.exitCode = result.status ?? 1;
  }
}
