// `revnet inspect --json` as a user runs it: a child process through bin/revnet.cjs, its stdout parsed
// and checked against the documented shape (docs/inspect-json.md); a bad option gives a message, not a stack.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..', '..', '..');
const revnet = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'revnet.cjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, REVNET_BACKEND: process.env['REVNET_TEST_BACKEND'] ?? 'wasm' } });

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

test('revnet inspect --preset mnist-tiny --json prints the documented report', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'revnet-inspect-'));
  const out = join(dir, 'report.json');
  const run = revnet('inspect', '--preset', 'mnist-tiny', '--json', '--batch', '4', '--quiet', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), report, '--out holds the same report');
  for (const key of ['model', 'backend', 'batchSize', 'data', 'blocks', 'memory', 'timing', 'timeline', 'createdAt']) assert.ok(key in report, key);
  assert.equal(report.model.name, 'mnist-tiny');
  assert.equal(report.model.preset, 'mnist-tiny');
  assert.equal(report.model.trunkInvertible, true);
  assert.equal(report.batchSize, 4);
  assert.equal(report.reconstructionMode, 'training');
  assert.match(report.data, /mnist/);
  assert.equal(report.blocks.length, 2);
  for (const [i, block] of report.blocks.entries()) {
    assert.equal(block.id, `stage1.unit${i}`);
    assert.equal(block.stage, 1);
    assert.ok(isNumber(block.params) && block.params > 0);
    assert.ok(isNumber(block.flops) && block.flops > 0);
    for (const k of ['maxAbs', 'relL2', 'chainMaxAbs', 'chainRelL2']) assert.ok(isNumber(block.reconstruction[k]), k);
    assert.ok(block.reconstruction.maxAbs < 1e-3);
    assert.ok(block.gradient.cosine >= 0.9999 && isNumber(block.gradient.relErr));
    assert.ok(isNumber(block.memory.storedBytes) && block.memory.storedBytes > 0);
    assert.equal(block.memory.reversibleBytes, 0);
  }
  assert.ok(report.memory.standardPeakBytes > report.memory.reversiblePeakBytes);
  assert.ok(isNumber(report.timing.standardStepMs) && report.timing.standardStepMs > 0);
  assert.ok(isNumber(report.timing.reversibleStepMs) && report.timing.reversibleStepMs > 0);
  assert.ok(report.timeline.standard.length > 0 && report.timeline.reversible.length > 0);
  assert.ok(!Number.isNaN(Date.parse(report.createdAt)));
});

test('revnet inspect: wrong usage and a missing file are plain messages', () => {
  const none = revnet('inspect', '--json');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give exactly one of --preset P, --config FILE or --model FILE/);
  const missing = revnet('inspect', '--config', 'no/such.revnet.json', '--quiet');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no\/such\.revnet\.json: no such file/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  const preset = revnet('inspect', '--preset', 'revnet-9', '--quiet');
  assert.match(preset.stderr, /unknown preset "revnet-9"/);
  const mode = revnet('inspect', '--preset', 'mnist-tiny', '--reconstruction', 'eval', '--quiet');
  assert.equal(mode.status, 2);
  assert.match(mode.stderr, /--reconstruction must be training or inference, got "eval"/);
});
