#!/usr/bin/env node
// The `revnet` command: runs the built CLI bundle, or the TypeScript sources through tsx in a checkout that was not built.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cli.js');
if (existsSync(built)) {
  require(built);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'engine', 'cli', 'main.ts'));
}
