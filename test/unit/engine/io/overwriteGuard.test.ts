// `inspect --out` never destroys a model file, and replaces an existing file only with --force.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkReportTarget } from '../../../../engine/io/overwriteGuard';
import { tempFolder, writeTinyConfig } from '../trainHelpers';

test('checkReportTarget: model files never, existing files only with force, new files always', () => {
  const dir = tempFolder('report-target');
  const existing = join(dir, 'report.json');
  writeFileSync(existing, '{}');
  assert.throws(() => checkReportTarget(join(dir, 'm.revnet.json'), true), /is a model file name.*even with --force/);
  assert.throws(() => checkReportTarget(join(dir, 'm.safetensors'), true), /is a model file name/);
  assert.throws(() => checkReportTarget(existing, false), /already exists; add --force/);
  assert.doesNotThrow(() => checkReportTarget(existing, true));
  assert.doesNotThrow(() => checkReportTarget(join(dir, 'new.json'), false));
});

test('revnet inspect --out MODEL.revnet.json is refused and leaves the config as it was', () => {
  const dir = tempFolder('report-target-cli');
  const config = writeTinyConfig(dir);
  const before = readFileSync(config);
  const main = join(__dirname, '..', '..', '..', '..', 'engine', 'cli', 'main.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', main, 'inspect', '--config', config, '--backend', 'cpu', '--quiet', '--batch', '2', '--out', config, '--force'], { encoding: 'utf8' });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /--out .*tiny\.revnet\.json: is a model file name/);
  assert.deepEqual(readFileSync(config), before);
});
