// Stop means stop: a stop that arrives through the event loop (a signal, a JSON-RPC message, a timer) takes
// effect at the next step boundary of training, of the epoch's evaluation and of an inspection, with a
// checkpoint at that step. On main the loops never yielded, so such a stop was seen only at the epoch's end.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ProgressEvent, TrainParams } from '../../../../protocol/engineApi';
import { InspectionCancelled, inspectResolved } from '../../../../engine/inspect/inspectModel';
import { resolveModel } from '../../../../engine/model/resolveModel';
import { readCheckpoint } from '../../../../engine/train/checkpoint';
import { trainModel } from '../../../../engine/train/trainModel';
import { tempFolder, tinyDataset, writeTinyConfig } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const folder = tempFolder('stop');
const configPath = writeTinyConfig(folder);

/** a 1-epoch run of 24 steps (96 examples, batch 4) */
function oneEpoch(outDir: string): TrainParams {
  return { model: { configPath }, data: { kind: 'random', count: 96 }, epochs: 1, batchSize: 4, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05 };
}

/** a stop that arrives from outside the loop, as a signal or an RPC message does: on the next turn of the event loop */
function stopFromEventLoop(): { cancelled: boolean; requestSoon: () => void } {
  const signal = {
    cancelled: false,
    requestSoon: () => {
      setImmediate(() => {
        signal.cancelled = true;
      });
    },
  };
  return signal;
}

test('a stop requested at step k of a 1-epoch run stops at step k+1 at the latest, with a checkpoint there', async () => {
  const outDir = tempFolder('stop-train');
  const k = 5;
  const stop = stopFromEventLoop();
  const events: ProgressEvent[] = [];
  const tensors = tf.memory().numTensors;
  const result = await trainModel(
    oneEpoch(outDir),
    (event) => {
      events.push(event);
      if (event.kind === 'step' && event.step === k) stop.requestSoon();
    },
    stop,
    { loadData: () => tinyDataset(96, 24) },
  );
  assert.equal(tf.memory().numTensors, tensors, 'trainModel leaked tensors');
  assert.equal(result.status, 'cancelled', `the run must stop, not finish: ${JSON.stringify(result)}`);
  assert.ok(result.steps >= k && result.steps <= k + 1, `asked to stop at step ${k}, stopped at ${result.steps}`);
  assert.equal(result.message, `stopped at step ${result.steps} (checkpoint saved)`);
  assert.ok(!events.some((event) => event.kind === 'done' || event.kind === 'epoch'), 'a stopped run reports neither an epoch nor "done"');
  const checkpoint = readCheckpoint(outDir);
  try {
    assert.equal(checkpoint.state.step, result.steps, 'the checkpoint is at the step the run stopped at');
    assert.equal(checkpoint.state.finished, false);
  } finally {
    checkpoint.network.dispose();
  }
});

test('a stop during the epoch\'s evaluation stops there; resuming evaluates that epoch and finishes', async () => {
  const outDir = tempFolder('stop-eval');
  const stop = stopFromEventLoop();
  const params = oneEpoch(outDir);
  // the evaluation runs in batches of 250: a test split of 1000 images takes four, with a stop point before each
  const data = () => tinyDataset(96, 1000);
  const result = await trainModel(
    params,
    (event) => {
      if (event.kind === 'step' && event.step === 24) stop.requestSoon();
    },
    stop,
    { loadData: data },
  );
  assert.equal(result.status, 'cancelled');
  assert.equal(result.steps, 24);
  const resumed = await trainModel({ ...params, resume: true }, () => undefined, { cancelled: false }, { loadData: data });
  assert.equal(resumed.status, 'finished');
  assert.equal(resumed.steps, 24, 'no step is repeated or skipped');
  assert.equal(resumed.epochs, 1);
  assert.ok(resumed.testAccuracy !== undefined);
});

test('Ctrl-C (a real SIGINT) at step k of a 1-epoch `revnet train` stops at step k+1 at the latest; exit code 130', async () => {
  const { command } = await import('../../../../engine/cli/commands/train');
  const outDir = tempFolder('stop-cli');
  const k = 10;
  const captured: string[] = [];
  const writeErr = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  let signalled = false;
  // 100 steps in one epoch; without a TTY a progress line is printed every 10 steps ("(total 10)")
  process.stderr.write = ((chunk: string | Uint8Array) => {
    const text = String(chunk);
    captured.push(text);
    if (!signalled && text.includes(`(total ${k})`)) {
      signalled = true;
      process.kill(process.pid, 'SIGINT');
    }
    return true;
  });
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  });
  let code: number;
  try {
    code = await command.run(['--preset', 'mnist-tiny', '--data', 'random:count=800', '--epochs', '1', '--batch', '8', '--backend', 'cpu', '--out', outDir, '--json', '--no-inspect']);
  } finally {
    process.stderr.write = writeErr;
    process.stdout.write = writeOut;
  }
  const output = captured.join('');
  assert.ok(signalled, `no progress line for step ${k}:\n${output}`);
  const json = output.slice(output.indexOf('{\n'));
  const result = JSON.parse(json) as { status: string; steps: number; message?: string };
  assert.equal(result.status, 'cancelled', output);
  assert.equal(code, 130);
  assert.ok(result.steps >= k && result.steps <= k + 1, `SIGINT at step ${k}, stopped at ${result.steps}`);
  assert.equal(result.message, `stopped at step ${result.steps} (checkpoint saved)`);
  assert.equal(process.listenerCount('SIGINT'), 0, 'the command removes its signal handlers');
  const checkpoint = readCheckpoint(outDir);
  try {
    assert.equal(checkpoint.state.step, result.steps);
  } finally {
    checkpoint.network.dispose();
  }
});

test('cancelling an inspection mid-way stops it at the next phase, leaving no tensors', async () => {
  const resolved = await resolveModel({ configPath }, { weights: 'fresh' });
  const tensors = tf.memory().numTensors;
  const stop = stopFromEventLoop();
  const phases: string[] = [];
  try {
    await assert.rejects(
      inspectResolved(resolved, {
        batchSize: 4,
        data: { kind: 'random', count: 8 },
        onPhase: (phase) => {
          phases.push(phase);
          if (phase === 'reconstruction') stop.requestSoon();
        },
      }, stop),
      InspectionCancelled,
    );
    assert.deepEqual(phases, ['data', 'reconstruction'], 'the phase after the stop must not start');
    assert.equal(tf.memory().numTensors, tensors);
  } finally {
    resolved.network.dispose();
  }
});
