// Runs every test suite with node's test runner: `npm test` (all), `npm test -- unit integration` (some).
// Suites: unit (plain Node; test/unit/{engine,extension,protocol,shared,webview,tooling}/ mirror the source folders), integration (a real engine process),
// webview (the built panel in headless Chromium), e2e (the extension in a real VS Code).
// Before any suite, two gates that take seconds and run every time: the TypeScript compiler (tsx and esbuild
// only strip types, so without it a type error would pass) and ESLint. Either failing stops here, non-zero.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './systemPackages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const allSuites = ['unit', 'integration', 'webview', 'e2e'];
const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const suites = asked.length > 0 ? asked : allSuites;

function testFiles(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(testFiles(path));
    else if (name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found.sort();
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

// The Debian packages the chosen suites need (chromium, python3-torch, …): installed or asked for before anything runs.
if (!ensureSystemPackages(suites, root)) process.exit(1);

function npmScript(name) {
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', name]);
}

for (const gate of ['typecheck', 'lint']) {
  if (npmScript(gate) !== 0) {
    console.error(`\nnpm test: the ${gate} gate failed (npm run ${gate}); no test suite was run.`);
    process.exit(1);
  }
}

// Always build first: the CLI tests run `bin/revnet.cjs`, which prefers the built dist/cli.js.
if (run(process.execPath, ['esbuild.mjs']) !== 0) process.exit(1);
const files = suites.flatMap((suite) => testFiles(join(root, 'test', suite)));
if (files.length === 0) {
  console.error(`no test files found in ${suites.join(', ')}`);
  process.exit(1);
}
process.exit(run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]));
