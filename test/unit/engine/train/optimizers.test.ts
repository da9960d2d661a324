// The optimisers against plain float64 loops of the same formulas, for a few steps,
// and their state saved and restored bit for bit.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { AdamOptimizer } from '../../../../engine/train/optimizers/adam';
import { SgdOptimizer } from '../../../../engine/train/optimizers/sgd';
import type { Optimizer } from '../../../../engine/train/optimizers/types';
import { SeededRandom } from '../../../../engine/util/random';

before(async () => {
  await tf.setBackend('cpu');
});

// a kernel (decayed) and a BatchNorm gamma (not decayed)
const SHAPES: Record<string, number[]> = { 'stage1.unit0.f.conv1.weight': [2, 3], 'stage1.unit0.f.bn2.gamma': [4] };

function randomArrays(random: SeededRandom): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const size = shape.reduce((a, b) => a * b, 1);
    out[name] = Float64Array.from({ length: size }, () => random.normal());
  }
  return out;
}

function makeVariables(values: Record<string, Float64Array>): Map<string, tf.Variable> {
  const params = new Map<string, tf.Variable>();
  for (const [name, data] of Object.entries(values)) params.set(name, tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(data), SHAPES[name]), true, `${name}#opt${Math.random()}`)));
  return params;
}

function gradientsAt(step: number, seed: number): Record<string, Float64Array> {
  return randomArrays(new SeededRandom(seed * 1000 + step));
}

function runOptimizer(optimizer: Optimizer, start: Record<string, Float64Array>, steps: number, lr: (step: number) => number): Record<string, Float32Array> {
  const params = makeVariables(start);
  for (let step = 0; step < steps; step++) {
    const g = gradientsAt(step, 7);
    const grads = new Map<string, tf.Tensor>();
    for (const [name, data] of Object.entries(g)) grads.set(name, tf.tensor(Float32Array.from(data), SHAPES[name]));
    optimizer.apply(params, grads, lr(step));
    for (const t of grads.values()) t.dispose();
  }
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of params) {
    out[name] = v.dataSync() as Float32Array;
    v.dispose();
  }
  return out;
}

function assertClose(actual: Float32Array, expected: Float64Array, label: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-5 * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${label}[${i}]: ${actual[i]} vs float64 ${expected[i]}`);
  }
}

test('SGD with momentum and weight decay (kernels only) follows the float64 loop', () => {
  const start = randomArrays(new SeededRandom(1));
  const momentum = 0.9;
  const weightDecay = 0.01;
  const lr = (step: number) => (step < 3 ? 0.1 : 0.01);
  const before = tf.memory().numTensors;
  const optimizer = new SgdOptimizer({ momentum, weightDecay });
  const got = runOptimizer(optimizer, start, 5, lr);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');

  for (const name of Object.keys(SHAPES)) {
    const w = Float64Array.from(start[name]);
    const v = new Float64Array(w.length);
    const decay = name.endsWith('.weight') ? weightDecay : 0;
    for (let step = 0; step < 5; step++) {
      const g = gradientsAt(step, 7)[name];
      for (let i = 0; i < w.length; i++) {
        v[i] = momentum * v[i] + g[i] + decay * w[i];
        w[i] -= lr(step) * v[i];
      }
    }
    assertClose(got[name], w, `sgd ${name}`);
  }
});

test('Adam follows the float64 loop', () => {
  const start = randomArrays(new SeededRandom(2));
  const [b1, b2, eps, weightDecay] = [0.9, 0.999, 1e-8, 0.001];
  const optimizer = new AdamOptimizer({ beta1: b1, beta2: b2, epsilon: eps, weightDecay });
  const got = runOptimizer(optimizer, start, 6, () => 0.01);
  optimizer.dispose();
  for (const name of Object.keys(SHAPES)) {
    const w = Float64Array.from(start[name]);
    const m = new Float64Array(w.length);
    const v = new Float64Array(w.length);
    const decay = name.endsWith('.weight') ? weightDecay : 0;
    for (let step = 0; step < 6; step++) {
      const g = gradientsAt(step, 7)[name];
      const t = step + 1;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + decay * w[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        w[i] -= (0.01 * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    }
    assertClose(got[name], w, `adam ${name}`);
  }
});

for (const make of [() => new SgdOptimizer({ momentum: 0.9, weightDecay: 1e-4 }), () => new AdamOptimizer({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 })]) {
  test(`${make().name}: saving the state after 3 steps and restoring it into a fresh optimiser continues bit for bit`, () => {
    const start = randomArrays(new SeededRandom(3));
    const straight = runOptimizer(make(), start, 6, () => 0.05);

    const first = make();
    const params = makeVariables(start);
    const stepOnce = (opt: Optimizer, step: number) => {
      const grads = new Map<string, tf.Tensor>();
      for (const [name, data] of Object.entries(gradientsAt(step, 7))) grads.set(name, tf.tensor(Float32Array.from(data), SHAPES[name]));
      opt.apply(params, grads, 0.05);
      for (const t of grads.values()) t.dispose();
    };
    for (let step = 0; step < 3; step++) stepOnce(first, step);
    const saved = first.saveState();
    first.dispose();
    const second = make();
    second.loadState(saved, params);
    for (let step = 3; step < 6; step++) stepOnce(second, step);
    second.dispose();
    for (const [name, v] of params) {
      assert.deepEqual(v.dataSync(), straight[name], `${name} differs after restoring`);
      v.dispose();
    }
  });
}

test('a state whose shapes do not fit the parameters is refused with every problem named', () => {
  const params = makeVariables(randomArrays(new SeededRandom(4)));
  const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0 });
  const tensors = new Map([
    ['velocity.stage1.unit0.f.conv1.weight', { shape: [3, 2], data: new Float32Array(6) }],
    ['velocity.nothing.weight', { shape: [1], data: new Float32Array(1) }],
  ]);
  assert.throws(() => optimizer.loadState({ tensors, scalars: {} }, params), (error: Error) => {
    assert.match(error.message, /velocity\.stage1\.unit0\.f\.conv1\.weight.*shape \[3,2\]/);
    assert.match(error.message, /velocity\.nothing\.weight.*belongs to no parameter/);
    return true;
  });
  optimizer.dispose();
  for (const v of params.values()) v.dispose();
});
