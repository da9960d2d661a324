// The training loop on the cpu backend: same seed gives the same weights; a run resumed from a checkpoint
// (after a crash, a cancel, or a --steps stop) ends bit for bit where the uninterrupted run ends;
// a loss that turns NaN stops with the first non-finite block named and the last good checkpoint intact.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ProgressEvent, TrainParams, TrainResult } from '../../../../protocol/engineApi';
import type { Dataset } from '../../../../engine/data/types';
import { loadModel } from '../../../../engine/model/saveLoad';
import { readCheckpoint } from '../../../../engine/train/checkpoint';
import { trainModel } from '../../../../engine/train/trainModel';
import { TINY_CONFIG, tempFolder, tinyDataset, writeTinyConfig } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const folder = tempFolder('train-loop');
const configPath = writeTinyConfig(folder);

function params(outDir: string, extra: Partial<TrainParams> = {}): TrainParams {
  return { model: { configPath }, data: { kind: 'random', count: 48 }, epochs: 3, batchSize: 8, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05, lrDrops: [2], ...extra };
}

async function train(p: TrainParams, options: { cancelAt?: number; crashAt?: number; data?: Dataset } = {}): Promise<{ result: TrainResult; events: ProgressEvent[] }> {
  const events: ProgressEvent[] = [];
  let steps = 0;
  const cancel = { get cancelled() { return options.cancelAt !== undefined && steps >= options.cancelAt; } };
  const before = tf.memory().numTensors;
  const result = await trainModel(p, (event) => {
    events.push(event);
    if (event.kind === 'step') steps = event.step;
    if (options.crashAt !== undefined && event.kind === 'step' && event.step === options.crashAt) throw new Error('simulated crash');
  }, cancel, { loadData: () => options.data ?? tinyDataset() });
  assert.equal(tf.memory().numTensors, before, 'trainModel leaked tensors');
  return { result, events };
}

const straight = tempFolder('train-straight');
let straightResult: TrainResult;

test('an uninterrupted run finishes, evaluates every epoch and writes the model files', async () => {
  const { result, events } = await train(params(straight));
  straightResult = result;
  assert.equal(result.status, 'finished');
  assert.equal(result.steps, 18);
  assert.equal(result.epochs, 3);
  assert.equal(events.filter((e) => e.kind === 'step').length, 18);
  const epochs = events.filter((e) => e.kind === 'epoch');
  assert.equal(epochs.length, 3);
  for (const e of epochs) assert.ok(e.testAccuracy !== undefined && e.testAccuracy >= 0 && e.testAccuracy <= 1);
  assert.ok(events.every((e) => e.memoryBytes > 0 && e.backend === 'cpu'));
  const first = events.find((e) => e.kind === 'step');
  const last = events.filter((e) => e.kind === 'step').at(-1);
  assert.ok(first !== undefined && last !== undefined && last.loss < first.loss, `the loss did not fall: ${first?.loss} -> ${last?.loss}`);
  const config = JSON.parse(readFileSync(result.configPath, 'utf8'));
  assert.equal(config.training.steps, 18);
  assert.equal(config.normalization.mean.length, 1);
});

test('the same seed gives the same weights; another seed does not', async () => {
  const again = await train(params(tempFolder('train-again')));
  assert.ok(readFileSync(again.result.weightsPath).equals(readFileSync(straightResult.weightsPath)), 'same seed, different weights');
  const other = await train(params(tempFolder('train-other'), { seed: 6 }));
  assert.ok(!readFileSync(other.result.weightsPath).equals(readFileSync(straightResult.weightsPath)), 'another seed gave the same weights');
});

test('a crash after a mid-epoch checkpoint, then --resume, gives bit-exact the uninterrupted weights', async () => {
  const out = tempFolder('train-crash');
  await assert.rejects(train(params(out, { checkpointEvery: 4 }), { crashAt: 10 }), /simulated crash/);
  const saved = readCheckpoint(out);
  assert.equal(saved.state.step, 8);
  assert.equal(saved.state.stepInEpoch, 2);
  saved.network.dispose();
  const { result, events } = await train(params(out, { resume: true, epochs: 0 }));
  assert.equal(result.status, 'finished');
  assert.equal(events.find((e) => e.kind === 'step')?.step, 9, 'the resumed run did not start at step 9');
  assert.ok(readFileSync(result.weightsPath).equals(readFileSync(straightResult.weightsPath)), 'resumed weights differ from the uninterrupted run');
});

test('cancel writes a checkpoint after the current step; resuming it ends bit-exact where the uninterrupted run ends', async () => {
  const out = tempFolder('train-cancel');
  const { result } = await train(params(out), { cancelAt: 7 });
  assert.equal(result.status, 'cancelled');
  assert.equal(result.steps, 7);
  const saved = readCheckpoint(out);
  assert.equal(saved.state.step, 7);
  saved.network.dispose();
  await assert.rejects(train(params(out)), /unfinished run.*--resume/s, 'a fresh run over an unfinished checkpoint must be refused');
  const resumed = await train(params(out, { resumeFrom: out, epochs: 0 }));
  assert.equal(resumed.result.status, 'finished');
  assert.ok(readFileSync(resumed.result.weightsPath).equals(readFileSync(straightResult.weightsPath)));
});

test('--steps stops mid-epoch; resuming with a larger --steps matches the uninterrupted run', async () => {
  const out = tempFolder('train-steps');
  const first = await train(params(out, { steps: 5 }));
  assert.equal(first.result.status, 'finished');
  assert.equal(first.result.steps, 5);
  const second = await train(params(out, { resume: true, epochs: 0, steps: 18 }));
  assert.equal(second.result.steps, 18);
  assert.ok(readFileSync(second.result.weightsPath).equals(readFileSync(straightResult.weightsPath)));
});

test('Adam and the standard backward pass resume bit-exact too', async () => {
  const extra = { optimizer: 'adam' as const, learningRate: 0.01, mode: 'standard' as const, epochs: 2 };
  const whole = await train(params(tempFolder('train-adam'), extra));
  const out = tempFolder('train-adam-cancel');
  await train(params(out, extra), { cancelAt: 9 });
  const resumed = await train(params(out, { ...extra, resume: true, epochs: 0 }));
  assert.ok(readFileSync(resumed.result.weightsPath).equals(readFileSync(whole.result.weightsPath)));
});

test('with augmentation: other weights than without; the checkpoint keeps it, and a cancelled run resumes bit-exact', async () => {
  const extra = { augment: { shift: 2, flip: true }, epochs: 2 };
  const whole = await train(params(tempFolder('train-augment'), extra));
  const plain = await train(params(tempFolder('train-plain'), { epochs: 2 }));
  assert.ok(!readFileSync(whole.result.weightsPath).equals(readFileSync(plain.result.weightsPath)), 'the augmentation changed nothing');
  const out = tempFolder('train-augment-cancel');
  await train(params(out, extra), { cancelAt: 5 });
  const saved = readCheckpoint(out);
  assert.deepEqual(saved.state.options['augment'], { shift: 2, flip: true });
  saved.network.dispose();
  // the resumed run takes the checkpoint's augmentation, whatever the request says
  const resumed = await train(params(out, { resume: true, epochs: 0 }));
  assert.ok(readFileSync(resumed.result.weightsPath).equals(readFileSync(whole.result.weightsPath)));
  await assert.rejects(train(params(tempFolder('train-augment-big'), { augment: { shift: 4, flip: false } })), /shift of 4 pixels would move 8x8 images out of view \(at most 3\)/);
});

test('a learning rate that blows the weights up stops the run, names a block, and keeps the last good checkpoint', async () => {
  const out = tempFolder('train-nan');
  const { result } = await train(params(out, { learningRate: 1e30, lrDrops: [] }));
  assert.equal(result.status, 'diverged');
  console.log(`  message: ${result.message}`);
  assert.match(result.message ?? '', /(first block whose output was not finite: (stem|stage1\.unit[01]))|(weights became non-finite \(first: [\w.]+\))/);
  const saved = readCheckpoint(out);
  for (const v of [...saved.network.weights.params.values(), ...saved.network.weights.buffers.values()]) {
    assert.ok((v.dataSync() as Float32Array).every(Number.isFinite), 'the kept checkpoint holds non-finite weights');
  }
  assert.ok(saved.state.step < 18);
  saved.network.dispose();
});

test('an infinite pixel in the data stops the run at its batch, naming the input and the first block', async () => {
  const data = tinyDataset();
  data.train.images[5 * 64 + 10] = Number.POSITIVE_INFINITY;
  const out = tempFolder('train-inf');
  // the model carries its normalisation, so the infinite pixel reaches the network instead of the statistics
  const normalizedConfig = join(folder, 'normalized.revnet.json');
  writeFileSync(normalizedConfig, JSON.stringify({ ...TINY_CONFIG, normalization: { mean: [0.3], std: [0.3] } }));
  const { result } = await train(params(out, { shuffle: false, model: { configPath: normalizedConfig } }), { data });
  assert.equal(result.status, 'diverged');
  // image 5 is in the first batch (file order, 8 per batch)
  assert.match(result.message ?? '', /at step 1 \(epoch 1\).*first block whose output was not finite: stem.*input batch already held NaN/);
  const saved = readCheckpoint(out);
  assert.equal(saved.state.step, 0);
  saved.network.dispose();
});

test('--init starts from the given weights instead of seeded ones', async () => {
  const out = tempFolder('train-init');
  const { result } = await train(params(out, { initWeights: straightResult.weightsPath }), { cancelAt: 0 });
  assert.equal(result.status, 'cancelled');
  assert.equal(result.steps, 0);
  const saved = readCheckpoint(out);
  const given = await loadModel(straightResult.configPath);
  for (const [name, v] of given.network.weights.params) assert.deepEqual(saved.network.weights.params.get(name)?.dataSync(), v.dataSync(), name);
  for (const [name, v] of given.network.weights.buffers) assert.deepEqual(saved.network.weights.buffers.get(name)?.dataSync(), v.dataSync(), name);
  given.network.dispose();
  saved.network.dispose();
});
