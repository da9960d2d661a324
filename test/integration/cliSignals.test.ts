// Signals to the built `revnet train` (dist/cli.js) in the middle of a long revnet-38 step (the plain-JS backend:
// seconds per step, one progress line per step on stderr). The signal is sent 200 ms after step 1's line, so it
// lands inside step 2 (sent at once, it may land in the microseconds between the steps). It is seen inside the step: SIGTERM is acknowledged before
// step 2's progress line and the run stops at that step's end with a checkpoint there, exit 143; a second
// Ctrl-C quits at once, before step 2 ends, exit 130, and the last checkpoint (the run's first) still loads as
// a pair. On main a signal waited for the step's end.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { checkpointModelPaths, readCheckpoint } from '../../engine/train/checkpoint';
import { resolveModel } from '../../engine/model/resolveModel';
import { cliPath, runCli, type CliRun } from './cliRun';

const dir = mkdtempSync(join(tmpdir(), 'revnet-signals-'));
before(async () => {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run node esbuild.mjs first`);
  await tf.setBackend('cpu');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** trains revnet-38 for 8 steps; `onLine` sees each stderr line as it comes and may signal the child */
function train(outDir: string, onLine: Parameters<typeof runCli>[1]): Promise<CliRun> {
  return runCli(
    ['train', '--preset', 'revnet-38', '--data', 'random:count=32', '--epochs', '1', '--batch', '4', '--backend', 'cpu', '--stability-every', '0', '--out', outDir, '--json', '--no-inspect'],
    onLine,
  );
}

const stepLine = (step: number) => (line: string) => line.includes(`(total ${step})`);

/** the current checkpoint is whole (sizes and hashes), at `step`, and its model files load as a pair */
async function checkpointLoads(outDir: string, step: number): Promise<void> {
  const checkpoint = readCheckpoint(outDir);
  checkpoint.network.dispose();
  assert.equal(checkpoint.state.step, step);
  const paths = checkpointModelPaths(outDir);
  assert.ok(paths !== undefined);
  // the model pair (config + weights whose metadata records the config's hash) loads together
  const resolved = await resolveModel({ configPath: paths.configPath, weightsPath: paths.weightsPath });
  resolved.network.dispose();
}

test('SIGTERM during a step is seen inside it; the run stops at that step with a checkpoint, exit 143', async () => {
  const outDir = join(dir, 'term');
  let sent = false;
  const run = await train(outDir, (line, signal) => {
    if (!sent && stepLine(1)(line)) {
      sent = true;
      signal('SIGTERM', 200);
    }
  });
  const output = run.lines.join('\n');
  assert.ok(sent, `no progress line for step 1:\n${output}`);
  assert.equal(run.code, 143, output);
  const result = JSON.parse(run.stdout) as { status: string; steps: number; message?: string };
  assert.equal(result.status, 'cancelled');
  assert.equal(result.steps, 2, `SIGTERM during step 2 stopped at step ${result.steps}`);
  assert.equal(result.message, 'stopped at step 2 (checkpoint saved)');
  const acknowledged = run.lines.findIndex((line) => line.startsWith('SIGTERM: stopping'));
  assert.ok(acknowledged >= 0, output);
  assert.ok(acknowledged < run.lines.findIndex(stepLine(2)), `the signal must be seen during step 2, before its progress line:\n${output}`);
  await checkpointLoads(outDir, 2);
});

test('a second Ctrl-C quits at once, inside the step, exit 130; the last checkpoint still loads as a pair', async () => {
  const outDir = join(dir, 'twice');
  const sent = { first: false, second: false };
  const run = await train(outDir, (line, signal) => {
    if (!sent.first && stepLine(1)(line)) {
      sent.first = true;
      signal('SIGINT', 200);
    } else if (sent.first && !sent.second && line.startsWith('SIGINT: stopping')) {
      sent.second = true;
      signal('SIGINT');
    }
  });
  const output = run.lines.join('\n');
  assert.ok(sent.second, `the run never acknowledged the first SIGINT:\n${output}`);
  assert.equal(run.code, 130, output);
  assert.equal(run.stdout, '', 'quitting at once prints no result');
  assert.equal(run.lines.findIndex(stepLine(2)), -1, `the second Ctrl-C must quit inside step 2, before it ends:\n${output}`);
  await checkpointLoads(outDir, 0);
});
