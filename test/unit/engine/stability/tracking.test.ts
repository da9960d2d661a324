// Stability tracking during training: stability.jsonl gets one line every N steps with every reversible unit,
// the numbers match an independent measurement of the saved model on the same probe batch (float64 on the host
// from the engine's float32 inversions, through the inspection's reconstruction code), the run's weights end
// exactly as in an untracked run, a block crossing the threshold is reported once, and nothing leaks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { TrainParams } from '../../../../protocol/engineApi';
import type { StabilityRecord } from '../../../../protocol/stabilityReport';
import { measureReconstruction } from '../../../../engine/inspect/reconstruction';
import { loadModel } from '../../../../engine/model/saveLoad';
import { batchPlan, identityOrder, makeBatch } from '../../../../engine/train/batches';
import { trainModel } from '../../../../engine/train/trainModel';
import { STABILITY_FILE, StabilityTracker, TRACKING_BATCH } from '../../../../engine/stability/tracking';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { TINY_CONFIG, tempFolder, tinyDataset, writeTinyConfig } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const folder = tempFolder('stability-tracking');
const configPath = writeTinyConfig(folder);

function params(outDir: string, extra: Partial<TrainParams> = {}): TrainParams {
  return { model: { configPath }, data: { kind: 'random', count: 48 }, epochs: 2, batchSize: 8, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05, ...extra };
}

async function train(p: TrainParams, warnings: string[]) {
  const original = console.warn;
  console.warn = (message: string) => warnings.push(message);
  const before = tf.memory().numTensors;
  try {
    const result = await trainModel(p, () => undefined, { cancelled: false }, { loadData: () => tinyDataset() });
    assert.equal(tf.memory().numTensors, before, 'training with tracking leaked tensors');
    return result;
  } finally {
    console.warn = original;
  }
}

test('stability.jsonl: a line every N steps, numbers an independent measurement reproduces, weights untouched', async () => {
  const tracked = tempFolder('tracked');
  const plain = tempFolder('plain');
  const warnings: string[] = [];
  const result = await train(params(tracked, { stabilityEvery: 4, stabilityThreshold: 0 }), warnings);
  await train(params(plain, { stabilityEvery: 0 }), []);
  assert.equal(result.status, 'finished');
  const lines = readFileSync(join(tracked, STABILITY_FILE), 'utf8').trim().split('\n');
  const records = lines.map((line) => JSON.parse(line) as StabilityRecord);
  const { stepsPerEpoch } = batchPlan(48, 8);
  assert.deepEqual(records.map((r) => r.step), [4, 8, 12].filter((s) => s <= 2 * stepsPerEpoch));
  for (const record of records) {
    assert.deepEqual(record.blocks.map((b) => b.id), ['stage1.unit0', 'stage1.unit1']);
    assert.ok(record.gradientAgreement !== undefined && record.gradientAgreement.cosine > 0.999999, JSON.stringify(record.gradientAgreement));
    assert.ok(record.worstInverseLipschitz !== undefined && record.worstInverseLipschitz.value > 0);
  }
  // threshold 0: every block crosses at the first measurement, and is reported once
  assert.deepEqual(warnings.filter((w) => w.startsWith('stability: ')).map((w) => /stability: (\S+) crossed .* at step (\d+)/.exec(w)?.slice(1)), [['stage1.unit0', '4'], ['stage1.unit1', '4']]);

  // the last record against the final model, measured by the inspection's code on the same probe batch
  const model = await loadModel(result.configPath, result.weightsPath);
  const data = tinyDataset();
  const shape = { height: 8, width: 8, channels: 1 };
  const normalization = model.config.normalization;
  assert.ok(normalization !== undefined);
  const probe = makeBatch(data.test, shape, normalization, identityOrder(data.test.count), 0, TRACKING_BATCH);
  const reference = measureReconstruction(model.network, probe.images, probe.labels, 'training');
  const last = records.at(-1) as StabilityRecord;
  assert.equal(last.step, result.steps);
  for (const block of last.blocks) {
    const other = reference.get(block.id);
    assert.ok(other !== undefined);
    assert.ok(Math.abs(block.oneBlockRelL2 - other.relL2) <= 1e-3 * other.relL2 + 1e-12, `${block.id} one-block ${block.oneBlockRelL2} vs ${other.relL2}`);
  }
  tf.dispose([probe.images, probe.labels]);
  model.network.dispose();

  // tracking leaves the run exactly as an untracked run
  const a = readFileSync(join(tracked, 'tiny-test.safetensors'));
  const b = readFileSync(join(plain, 'tiny-test.safetensors'));
  assert.ok(a.equals(b), 'the tracked run ended with different weights');
});

test('a measurement yields to the event loop between units, and a Stop in the middle drops it: nothing written, weights and tensors as found', async () => {
  const network = buildNetwork(withDefaults(TINY_CONFIG), 3);
  const { height, width, channels } = TINY_CONFIG.input;
  const images = tf.randomNormal<tf.Rank.R4>([TRACKING_BATCH, height, width, channels], 0, 1, 'float32', 7);
  const labels = tf.tensor1d(Array.from({ length: TRACKING_BATCH }, (_, i) => i % TINY_CONFIG.classes), 'int32');
  const outDir = tempFolder('tracking-stop');
  const baseline = tf.memory().numTensors;
  const tracker = new StabilityTracker({ network, images, labels, outDir, every: 1, threshold: 1, fresh: true, onCrossing: () => undefined });
  const weightsBefore = [...network.weights.params.values(), ...network.weights.buffers.values()].map((v) => Array.from(v.dataSync()));
  const tensorsBefore = tf.memory().numTensors;
  try {
    let stopChecks = 0;
    const dropped = await tracker.afterStep(1, 0, () => ++stopChecks >= 2);
    assert.equal(dropped, undefined);
    assert.equal(stopChecks, 2, 'the measurement went on after Stop');
    assert.equal(readFileSync(tracker.path, 'utf8'), '', 'a dropped measurement was written');
    // what may stay is the warm start of units measured before Stop (one vector each), nothing else (the test
    // below, without warm start, checks every Stop point for exactly no tensor left)
    const kept = tf.memory().numTensors - tensorsBefore;
    assert.ok(kept >= 0 && kept <= TINY_CONFIG.stages[0].units, `a dropped measurement left ${kept} tensors behind`);
    const weightsAfter = [...network.weights.params.values(), ...network.weights.buffers.values()].map((v) => Array.from(v.dataSync()));
    assert.deepEqual(weightsAfter, weightsBefore);

    // a whole measurement lets other work run between its units (and between its two gradient passes)
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const record = await tracker.afterStep(2, 0);
    clearInterval(ticker);
    assert.ok(record?.blocks.length === 2);
    assert.ok(turns >= 2, `the event loop ran ${turns} times during a measurement of 2 units`);
    assert.equal(readFileSync(tracker.path, 'utf8').trim().split('\n').length, 1);
  } finally {
    tracker.dispose();
  }
  assert.equal(tf.memory().numTensors, baseline, 'the tracker left tensors behind');
  tf.dispose([images, labels]);
  network.dispose();
});

test('a measurement checks Stop inside its pieces (chain errors, power iterations, both gradient passes step by step), and a Stop at any check drops it cleanly', async () => {
  const network = buildNetwork(withDefaults(TINY_CONFIG), 3);
  const { height, width, channels } = TINY_CONFIG.input;
  const images = tf.randomNormal<tf.Rank.R4>([TRACKING_BATCH, height, width, channels], 0, 1, 'float32', 7);
  const labels = tf.tensor1d(Array.from({ length: TRACKING_BATCH }, (_, i) => i % TINY_CONFIG.classes), 'int32');
  const weights = () => [...network.weights.params.values(), ...network.weights.buffers.values()].map((v) => Array.from(v.dataSync()));
  const weightsBefore = weights();
  const trunkSteps = network.architecture.steps.length;
  const units = TINY_CONFIG.stages[0].units;
  let checks = 0;
  {
    // warmStart off: every measurement starts alike and keeps no vector
    const tracker = new StabilityTracker({ network, images, labels, outDir: tempFolder('tracking-checks'), every: 1, threshold: 1, fresh: true, warmStart: false, onCrossing: () => undefined });
    const tensors = tf.memory().numTensors;
    assert.ok((await tracker.afterStep(1, 0, () => (checks++, false))) !== undefined);
    assert.equal(tf.memory().numTensors, tensors);
    tracker.dispose();
  }
  // on main: one check per unit and two around the gradient passes (units + 2)
  assert.ok(checks >= units + 2 * (trunkSteps + 1) + 2, `${checks} Stop checks in a measurement of ${units} units over ${trunkSteps} trunk steps`);
  for (let at = 1; at <= checks; at++) {
    const tracker = new StabilityTracker({ network, images, labels, outDir: tempFolder('tracking-checks'), every: 1, threshold: 1, fresh: true, warmStart: false, onCrossing: () => undefined });
    const tensors = tf.memory().numTensors;
    let seen = 0;
    assert.equal(await tracker.afterStep(1, 0, () => ++seen >= at), undefined, `Stop at check ${at}`);
    assert.equal(seen, at, `Stop at check ${at}, yet checked ${seen} times`);
    assert.equal(tf.memory().numTensors, tensors, `Stop at check ${at} left tensors`);
    assert.equal(readFileSync(tracker.path, 'utf8'), '');
    assert.deepEqual(weights(), weightsBefore, `Stop at check ${at} changed the weights`);
    tracker.dispose();
  }
  tf.dispose([images, labels]);
  network.dispose();
});
