// The power-iteration Lipschitz estimate (float32, TensorFlow.js VJPs) against an independent computation:
// the full Jacobian of the test's own float64 plain-loop unit (test/unit/engine/networkReference.ts) by central
// finite differences, and its largest singular value by float64 power iteration to convergence.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ReversibleStep } from '../../../../engine/model/architecture';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk } from '../../../../engine/model/forward';
import { inferenceContext, trainingContext, type RevNet } from '../../../../engine/model/network';
import { reversibleForward, reversibleInverse } from '../../../../engine/model/units';
import { Float64Weights, reversibleForward64, reversibleInverse64, toArray64 } from '../../../../engine/stability/float64Reference';
import { largestSingularValue } from '../../../../engine/stability/lipschitz';
import { SeededRandom } from '../../../../engine/util/random';
import { randomImages, useTestBackend } from '../networkFixtures';
import { seededTinyNetwork, tinyReferenceConfig, type SeededTinyNetwork } from '../seededTinyNetwork';
import { unitForward, unitInverse, type Array4, type BasicResidual } from '../networkReference';

const config: RevNetConfig = tinyReferenceConfig('tiny-lipschitz');

let net: RevNet;
let tiny: SeededTinyNetwork;

before(async () => {
  await useTestBackend();
  // large convolutions, so that the Jacobian is far from the identity
  tiny = seededTinyNetwork(config, 23, 0.9);
  net = tiny.net;
});

const residualParams = (prefix: string, withBn1: boolean): BasicResidual => tiny.residualParams(prefix, withBn1);

/** columns of the Jacobian of fn at x by central differences, float64 */
function jacobian(fn: (x: Array4) => Array4, x: Array4): Float64Array[] {
  const h = 1e-6;
  const columns: Float64Array[] = [];
  for (let i = 0; i < x.data.length; i++) {
    const plus = Float64Array.from(x.data);
    const minus = Float64Array.from(x.data);
    plus[i] = (plus[i]) + h;
    minus[i] = (minus[i]) - h;
    const fp = fn({ shape: x.shape, data: plus }).data;
    const fm = fn({ shape: x.shape, data: minus }).data;
    columns.push(fp.map((v, k) => (v - (fm[k])) / (2 * h)));
  }
  return columns;
}

/** the largest singular value of the matrix with these columns: power iteration on JᵀJ in float64 */
function largestSingular64(columns: Float64Array[]): number {
  const m = (columns[0]).length;
  const random = new SeededRandom(99);
  let v = Float64Array.from({ length: columns.length }, () => random.normal());
  let sigma = 0;
  for (let it = 0; it < 5000; it++) {
    const jv = new Float64Array(m);
    columns.forEach((col, c) => {
      const vc = v[c];
      for (let r = 0; r < m; r++) jv[r] = (jv[r]) + (col[r]) * vc;
    });
    const w = columns.map((col) => col.reduce((s, value, r) => s + value * (jv[r]), 0));
    const wNorm = Math.sqrt(w.reduce((s, value) => s + value * value, 0));
    const estimate = Math.sqrt(jv.reduce((s, value) => s + value * value, 0)) / Math.sqrt(v.reduce((s, value) => s + value * value, 0));
    v = Float64Array.from(w, (value) => value / wNorm);
    if (it > 50 && Math.abs(estimate - sigma) < 1e-13 * estimate) return estimate;
    sigma = estimate;
  }
  return sigma;
}

const toArray4 = (t: tf.Tensor): Array4 => ({ shape: t.shape as Array4['shape'], data: Float64Array.from(t.dataSync()) });

for (const training of [false, true]) {
  const mode = training ? 'training' : 'inference';
  test(`forward and inverse Lipschitz estimates match the float64 finite-difference Jacobian within 1% (BatchNorm ${mode})`, (t) => {
    const images = randomImages(config, 2, 7);
    const run = forwardTrunk(net, images, { keepBlockOutputs: true, training });
    const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
    const ctx = training ? trainingContext(net) : inferenceContext(net);
    const before = tf.memory().numTensors;
    let input = outputs.get('stem') as tf.Tensor4D;
    for (const step of net.architecture.steps.filter((s): s is ReversibleStep => s.kind === 'reversible')) {
      const f = residualParams(step.f.prefix, step.f.leadingBatchNorm);
      const g = residualParams(step.g.prefix, true);
      const output = outputs.get(step.id) as tf.Tensor4D;
      const x64 = toArray4(input);
      const y64 = unitForward(x64, f, g, training);
      const forwardTruth = largestSingular64(jacobian((x) => unitForward(x, f, g, training), x64));
      const inverseTruth = largestSingular64(jacobian((y) => unitInverse(y, f, g, training), y64));

      const options = { maxIterations: 300, tolerance: 1e-7 };
      const forward = largestSingularValue((x) => reversibleForward(ctx, step, x as tf.Tensor4D), input, options);
      const inverse = largestSingularValue((y) => reversibleInverse(ctx, step, y as tf.Tensor4D), output, options);
      const forwardFd = largestSingularValue((x) => reversibleForward(ctx, step, x as tf.Tensor4D), input, { ...options, jvp: 'finite-difference' });
      t.diagnostic(
        `${step.id}: forward ${forward.value.toFixed(5)} (${forward.iterations} it, finite-difference JVP ${forwardFd.value.toFixed(5)}) vs float64 ${forwardTruth.toFixed(5)}; ` +
          `inverse ${inverse.value.toFixed(5)} (${inverse.iterations} it) vs float64 ${inverseTruth.toFixed(5)}`,
      );
      assert.ok(Math.abs(forward.value - forwardTruth) < 0.01 * forwardTruth, `${step.id} forward: ${forward.value} vs ${forwardTruth}`);
      assert.ok(Math.abs(inverse.value - inverseTruth) < 0.01 * inverseTruth, `${step.id} inverse: ${inverse.value} vs ${inverseTruth}`);
      assert.ok(Math.abs(forwardFd.value - forwardTruth) < 0.02 * forwardTruth, `${step.id} forward by finite-difference JVP: ${forwardFd.value} vs ${forwardTruth}`);
      input = output;
    }
    assert.equal(tf.memory().numTensors, before, 'the estimator leaks tensors');
    tf.dispose([images, run.features, ...outputs.values()]);
  });
}

test('the engine float64 unit matches the test float64 unit, and inverts it', () => {
  const images = randomImages(config, 2, 3);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const weights = new Float64Weights(net);
  const stem = outputs.get('stem') as tf.Tensor4D;
  for (const training of [false, true]) {
    for (const step of net.architecture.steps.filter((s): s is ReversibleStep => s.kind === 'reversible')) {
      const f = residualParams(step.f.prefix, step.f.leadingBatchNorm);
      const g = residualParams(step.g.prefix, true);
      const x = toArray64(stem.shape, stem.dataSync());
      const engine = reversibleForward64(step, weights, x, training);
      const expected = unitForward(toArray4(stem), f, g, training);
      const back = reversibleInverse64(step, weights, engine, training);
      const expectedBack = unitInverse(expected, f, g, training);
      for (let i = 0; i < expected.data.length; i++) {
        assert.ok(Math.abs((engine.data[i]) - (expected.data[i])) < 1e-12, `forward differs at ${i}`);
        assert.ok(Math.abs((back.data[i]) - (expectedBack.data[i])) < 1e-12, `inverse differs at ${i}`);
        assert.ok(Math.abs((back.data[i]) - (x.data[i])) < 1e-9, `the float64 round trip misses at ${i}`);
      }
    }
  }
  tf.dispose([images, run.features, ...outputs.values()]);
});

test('a warm start from the last vector reaches the converged estimate in 2 steps; kept vectors are the only tensors left', () => {
  const images = randomImages(config, 2, 7);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true, training: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const ctx = trainingContext(net);
  const step = net.architecture.steps.find((s): s is ReversibleStep => s.kind === 'reversible');
  assert.ok(step !== undefined);
  const output = outputs.get(step.id) as tf.Tensor4D;
  const inverse = (y: tf.Tensor) => reversibleInverse(ctx, step, y as tf.Tensor4D);
  const before = tf.memory().numTensors;
  const converged = largestSingularValue(inverse, output, { maxIterations: 300, tolerance: 1e-7, keepVector: true });
  assert.ok(converged.vector !== undefined);
  assert.equal(tf.memory().numTensors, before + 1);
  const cold = largestSingularValue(inverse, output, { maxIterations: 2, tolerance: 1e-7 });
  const warm = largestSingularValue(inverse, output, { maxIterations: 2, tolerance: 1e-7, start: converged.vector, jvp: 'finite-difference' });
  assert.equal(warm.vector, undefined);
  converged.vector.dispose();
  assert.equal(tf.memory().numTensors, before, 'the warm start leaks tensors');
  assert.ok(Math.abs(warm.value - converged.value) < 2e-3 * converged.value, `warm ${warm.value} vs converged ${converged.value}`);
  assert.ok(Math.abs(cold.value - converged.value) > Math.abs(warm.value - converged.value), `cold ${cold.value} is not farther than warm ${warm.value} from ${converged.value}`);
  tf.dispose([images, run.features, ...outputs.values()]);
});
