// Checkpoints: a written generation reads back bit for bit; a torn or tampered set is refused, never loaded;
// a generation left half-written by a kill is ignored and cleaned up by the next write.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { checkpointFolder, readCheckpoint, writeCheckpoint, type TrainingState } from '../../../../engine/train/checkpoint';
import { SgdOptimizer } from '../../../../engine/train/optimizers/sgd';
import { TINY_CONFIG, tempFolder } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

function state(step: number): TrainingState {
  return {
    epoch: 0, stepInEpoch: step, step, shuffleStateAtEpochStart: 12345, learningRate: 0.1, seed: 1, data: { kind: 'mnist' },
    options: { epochs: 1, batchSize: 8, mode: 'reversible', optimizer: 'sgd', learningRate: 0.1, momentum: 0.9, weightDecay: 0, lrDrops: [], lrFactor: 0.1, seed: 1, shuffle: true }, optimizerScalars: {}, history: [], finished: false, epochTotals: { loss: 0, correct: 0, examples: 0 },
  };
}

async function writeTwo(out: string): Promise<{ first: Float32Array; second: Float32Array }> {
  const network = buildNetwork(withDefaults(TINY_CONFIG), 1);
  const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0 });
  const grads = new Map([...network.weights.params].map(([name, v]) => [name, tf.onesLike(v) as tf.Tensor]));
  optimizer.apply(network.weights.params, grads, 0.01);
  await writeCheckpoint(out, network, { normalization: { mean: [0.5], std: [0.25] } }, optimizer.saveState(), state(1));
  const first = Float32Array.from(network.weights.params.get('head.fc.weight')!.dataSync() as Float32Array);
  optimizer.apply(network.weights.params, grads, 0.01);
  await writeCheckpoint(out, network, { normalization: { mean: [0.5], std: [0.25] } }, optimizer.saveState(), state(2));
  const second = Float32Array.from(network.weights.params.get('head.fc.weight')!.dataSync() as Float32Array);
  for (const g of grads.values()) g.dispose();
  optimizer.dispose();
  network.dispose();
  return { first, second };
}

function currentGeneration(out: string): string {
  return JSON.parse(readFileSync(join(checkpointFolder(out), 'latest.json'), 'utf8')).generation;
}

test('the latest generation reads back bit for bit, with the optimiser state and position; older ones are removed', async () => {
  const out = tempFolder('ckpt');
  const before = tf.memory().numTensors;
  const { second } = await writeTwo(out);
  const read = readCheckpoint(out);
  assert.equal(read.state.step, 2);
  assert.equal(read.state.shuffleStateAtEpochStart, 12345);
  assert.deepEqual(read.network.weights.params.get('head.fc.weight')!.dataSync(), second);
  assert.deepEqual(read.config.normalization, { mean: [0.5], std: [0.25] });
  assert.ok(read.optimizer.tensors.has('velocity.head.fc.weight'));
  read.network.dispose();
  assert.equal(tf.memory().numTensors, before);
  const generations = readdirSync(checkpointFolder(out)).filter((name) => name.startsWith('gen-'));
  assert.deepEqual(generations, [currentGeneration(out)]);
});

for (const [what, damage] of [
  ['a truncated weights file', (gen: string) => writeFileSync(join(gen, 'model.safetensors'), readFileSync(join(gen, 'model.safetensors')).subarray(0, 100))],
  ['a weights file with one byte changed', (gen: string) => {
    const bytes = readFileSync(join(gen, 'model.safetensors'));
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(join(gen, 'model.safetensors'), bytes);
  }],
  ['a missing optimiser file', (gen: string) => rmSync(join(gen, 'optimizer.safetensors'))],
  ['an extended state.json', (gen: string) => appendFileSync(join(gen, 'state.json'), ' ')],
] as const) {
  test(`${what} is refused, naming the file`, async () => {
    const out = tempFolder('ckpt-torn');
    await writeTwo(out);
    damage(join(checkpointFolder(out), currentGeneration(out)));
    const before = tf.memory().numTensors;
    assert.throws(() => readCheckpoint(out), /(model\.safetensors|optimizer\.safetensors|state\.json).*(damaged|missing)/);
    assert.equal(tf.memory().numTensors, before);
  });
}

test('a half-written newer generation (killed before the switch) is ignored, then cleaned up by the next write', async () => {
  const out = tempFolder('ckpt-half');
  const { second } = await writeTwo(out);
  const leftover = join(checkpointFolder(out), 'gen-999999');
  mkdirSync(leftover);
  writeFileSync(join(leftover, 'model.safetensors'), 'partial');
  writeFileSync(join(checkpointFolder(out), '.latest.json.123.456.1.tmp'), '{"format":');
  const read = readCheckpoint(out);
  assert.deepEqual(read.network.weights.params.get('head.fc.weight')!.dataSync(), second);
  const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0 });
  optimizer.loadState(read.optimizer, read.network.weights.params);
  await writeCheckpoint(out, read.network, {}, optimizer.saveState(), state(3));
  optimizer.dispose();
  read.network.dispose();
  assert.ok(!existsSync(leftover), 'the half-written generation is still there');
  assert.ok(!readdirSync(checkpointFolder(out)).some((name) => name.endsWith('.tmp')));
  const again = readCheckpoint(out);
  assert.equal(again.state.step, 3);
  again.network.dispose();
});

test('a damaged pointer is refused; no pointer means no checkpoint', async () => {
  const out = tempFolder('ckpt-pointer');
  assert.throws(() => readCheckpoint(out), /no checkpoint here/);
  await writeTwo(out);
  writeFileSync(join(checkpointFolder(out), 'latest.json'), '{"format": "revnet-checkpoint/1", "generation": "../../etc"}');
  assert.throws(() => readCheckpoint(out), /latest\.json: not a checkpoint pointer/);
});
