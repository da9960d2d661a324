// The bi-Lipschitz regularizer (engine/stability/regularizer.ts) against independent computations: its value
// against the test's own float64 plain-loop units (test/unit/engine/networkReference.ts) with the same
// perturbations; its gradient against central finite differences of its value; λ = 0 leaves a training step
// and a whole run bit for bit as without it; λ > 0 adds exactly λ·dR/dθ; no tensor leaks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainParams } from '../../../../protocol/engineApi';
import { computeGradients, disposeStep } from '../../../../engine/backprop';
import { snapshotWeights } from '../../../../engine/inspect/weightSnapshot';
import type { ReversibleStep } from '../../../../engine/model/architecture';
import { forwardTrunk } from '../../../../engine/model/forward';
import type { RevNetConfig } from '../../../../engine/model/config';
import type { HostTensor, RevNet } from '../../../../engine/model/network';
import { readWeights } from '../../../../engine/model/saveLoad';
import { drawPerturbation, stabilityRegularizer, withStabilityRegularizer } from '../../../../engine/stability/regularizer';
import { trainModel } from '../../../../engine/train/trainModel';
import { SeededRandom } from '../../../../engine/util/random';
import { randomImages, randomLabels, useTestBackend } from '../networkFixtures';
import { unitForward, unitInverse, type Array4 } from '../networkReference';
import { seededTinyNetwork, tinyReferenceConfig, type SeededTinyNetwork } from '../seededTinyNetwork';
import { tempFolder, tinyDataset, writeTinyConfig } from '../trainHelpers';

const config = tinyReferenceConfig('tiny-regularizer');
const EPSILON = 0.05;
const SEED = 11;
let tiny: SeededTinyNetwork;
let net: RevNet;

before(async () => {
  await useTestBackend();
  tiny = seededTinyNetwork(config, 23, 0.9);
  net = tiny.net;
});

const reversibleSteps = (): ReversibleStep[] => net.architecture.steps.filter((s): s is ReversibleStep => s.kind === 'reversible');
const toArray4 = (t: tf.Tensor): Array4 => ({ shape: t.shape as Array4['shape'], data: Float64Array.from(t.dataSync()) });
const shifted = (a: Array4, d: Float32Array): Array4 => ({ shape: a.shape, data: a.data.map((v, i) => v + d[i]) });
function squaredDistance(a: Array4, b: Array4): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i] - b.data[i]) ** 2;
  return sum;
}
const squaredNorm = (d: Float32Array): number => d.reduce((s, v) => s + v * v, 0);

test('the value matches a float64 plain-loop computation with the same perturbations', (t) => {
  const images = randomImages(config, 4, 5);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true, training: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  let x = toArray4(outputs.get('stem') as tf.Tensor4D);
  tf.dispose([run.features, ...outputs.values()]);

  const random = new SeededRandom(SEED);
  const expected: { forward: number; inverse: number }[] = [];
  for (const step of reversibleSteps()) {
    const f = tiny.residualParams(step.f.prefix, step.f.leadingBatchNorm);
    const g = tiny.residualParams(step.g.prefix, true);
    const deltaF = drawPerturbation(random, x.data, x.shape, EPSILON);
    const deltaI = drawPerturbation(random, x.data, x.shape, EPSILON);
    const y = unitForward(x, f, g, true);
    const forward = squaredDistance(unitForward(shifted(x, deltaF), f, g, true), y) / squaredNorm(deltaF);
    const inverse = squaredDistance(unitInverse(shifted(y, deltaI), f, g, true), unitInverse(y, f, g, true)) / squaredNorm(deltaI);
    expected.push({ forward, inverse });
    x = y;
  }

  const before = tf.memory().numTensors;
  const result = stabilityRegularizer(net, images, { epsilon: EPSILON, seed: SEED }, false);
  assert.equal(tf.memory().numTensors, before, 'the regularizer leaks tensors');
  const expectedValue = expected.reduce((s, e) => s + (e.forward + e.inverse) / 2, 0) / expected.length;
  t.diagnostic(`R = ${result.value} (float64 ${expectedValue}); ${result.units.map((u, i) => `${u.id}: forward ${u.forward.toFixed(6)} vs ${expected[i].forward.toFixed(6)}, inverse ${u.inverse.toFixed(6)} vs ${expected[i].inverse.toFixed(6)}`).join('; ')}`);
  assert.equal(result.units.length, 2);
  result.units.forEach((u, i) => {
    assert.ok(Math.abs(u.forward - expected[i].forward) < 1e-3 * expected[i].forward, `${u.id} forward ${u.forward} vs ${expected[i].forward}`);
    assert.ok(Math.abs(u.inverse - expected[i].inverse) < 1e-3 * expected[i].inverse, `${u.id} inverse ${u.inverse} vs ${expected[i].inverse}`);
  });
  // the seeded weights stretch far from an isometry: the penalty is well above its floor near 1
  assert.ok(expectedValue > 1.5, `R = ${expectedValue}`);
  assert.ok(Math.abs(result.value - expectedValue) < 1e-3 * expectedValue);
  images.dispose();
});

test('the gradient matches central finite differences of the value (each unit at its fixed input)', (t) => {
  const images = randomImages(config, 4, 5);
  const options = { epsilon: EPSILON, seed: SEED };
  const before = tf.memory().numTensors;
  const result = stabilityRegularizer(net, images, options, true);
  const grads = result.grads;
  assert.ok(grads !== undefined);
  const units = reversibleSteps();
  assert.equal(grads.size, units.reduce((n, s) => n + [...net.weights.params.keys()].filter((name) => name.startsWith(`${s.id}.`)).length, 0));
  // directional derivatives: along the gradient itself (d/dt = ‖g‖) and along a seeded random direction (d/dt = g·r),
  // by central differences with a step small enough to stay off ReLU kinks in this tiny, far-from-linear unit
  const h = 1e-3;
  const random = new SeededRandom(3);
  for (const [k, step] of units.entries()) {
    for (const name of [`${step.f.prefix}.conv1.weight`, `${step.g.prefix}.bn1.gamma`, `${step.g.prefix}.conv2.weight`]) {
      const variable = net.weights.params.get(name);
      const grad = grads.get(name);
      assert.ok(variable !== undefined && grad !== undefined, name);
      const g = grad.dataSync() as Float32Array;
      const gNorm = Math.sqrt(g.reduce((sum, v) => sum + v * v, 0));
      const original = variable.dataSync().slice() as Float32Array;
      const valueAt = (direction: Float32Array, t: number): number => {
        tf.tidy(() => variable.assign(tf.tensor(original.map((v, i) => v + t * direction[i]), variable.shape)));
        const unit = stabilityRegularizer(net, images, options, false).units[k];
        return (unit.forward + unit.inverse) / 2 / units.length;
      };
      const along = g.map((v) => v / gNorm);
      const rough = random.normalArray(g.length);
      const rNorm = Math.sqrt(rough.reduce((sum, v) => sum + v * v, 0));
      const r = rough.map((v) => v / rNorm);
      const fdAlong = (valueAt(along, h) - valueAt(along, -h)) / (2 * h);
      const fdRandom = (valueAt(r, h) - valueAt(r, -h)) / (2 * h);
      tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
      const gDotR = g.reduce((sum, v, i) => sum + v * r[i], 0);
      t.diagnostic(`${name}: ‖g‖ ${gNorm.toExponential(5)} vs finite difference ${fdAlong.toExponential(5)}; g·r ${gDotR.toExponential(5)} vs ${fdRandom.toExponential(5)}`);
      assert.ok(gNorm > 0, `${name}: zero gradient`);
      assert.ok(Math.abs(gNorm - fdAlong) < 0.03 * gNorm, `${name} along the gradient: ${gNorm} vs ${fdAlong}`);
      assert.ok(Math.abs(gDotR - fdRandom) < 0.03 * gNorm, `${name} along a random direction: ${gDotR} vs ${fdRandom}`);
    }
  }
  tf.dispose([...grads.values()]);
  assert.equal(tf.memory().numTensors, before, 'the regularizer leaks tensors');
  images.dispose();
});

test('λ = 0 leaves the training step bit for bit; λ > 0 adds exactly λ·dR/dθ', () => {
  const images = randomImages(config, 4, 9);
  const labels = randomLabels(config, 4, 9);
  const snapshot = snapshotWeights(net);
  const host = (grads: Map<string, tf.Tensor>) => new Map([...grads].map(([name, g]) => [name, g.dataSync().slice() as Float32Array]));
  const plainStep = computeGradients(net, images, labels, 'reversible');
  const plain = host(plainStep.grads);
  const plainLoss = plainStep.loss.dataSync()[0];
  disposeStep(plainStep);
  snapshot.restore();

  const before = tf.memory().numTensors;
  const zeroStep = withStabilityRegularizer(computeGradients, 0, () => SEED)(net, images, labels, 'reversible');
  assert.equal(zeroStep.loss.dataSync()[0], plainLoss);
  for (const [name, g] of zeroStep.grads) assert.deepEqual(g.dataSync(), plain.get(name), `${name} changed under λ = 0`);
  disposeStep(zeroStep);
  snapshot.restore();

  const lambda = 0.3;
  const regStep = withStabilityRegularizer(computeGradients, lambda, () => SEED)(net, images, labels, 'reversible');
  const reg = stabilityRegularizer(net, images, { seed: SEED }, true);
  for (const [name, g] of regStep.grads) {
    const base = plain.get(name) as Float32Array;
    const extra = reg.grads?.get(name)?.dataSync();
    const got = g.dataSync();
    for (let i = 0; i < got.length; i++) {
      const want = base[i] + (extra === undefined ? 0 : lambda * extra[i]);
      assert.ok(Math.abs(got[i] - want) <= 1e-5 * (Math.abs(want) + 1e-3), `${name}[${i}]: ${got[i]} vs ${want}`);
    }
    if (extra === undefined) assert.deepEqual(got, base, `${name} is not a reversible unit's and must not change`);
  }
  tf.dispose([regStep.loss, regStep.logits, ...regStep.grads.values(), ...(reg.grads?.values() ?? [])]);
  snapshot.restore();
  assert.equal(tf.memory().numTensors, before, 'the regularized step leaks tensors');
  tf.dispose([images, labels]);
});

test('a run with --stability-reg 0 ends with the same weights as one without; λ > 0 trains other weights', async () => {
  const folder = tempFolder('stability-reg');
  const configPath = writeTinyConfig(folder);
  const params = (outDir: string, extra: Partial<TrainParams>): TrainParams => ({
    model: { configPath }, data: { kind: 'random', count: 48 }, epochs: 1, batchSize: 8, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05, stabilityEvery: 0, ...extra,
  });
  const run = async (name: string, extra: Partial<TrainParams>) => {
    const out = tempFolder(name);
    const before = tf.memory().numTensors;
    const result = await trainModel(params(out, extra), () => undefined, { cancelled: false }, { loadData: () => tinyDataset() });
    assert.equal(tf.memory().numTensors, before, `${name}: training leaked tensors`);
    assert.equal(result.status, 'finished');
    const config = JSON.parse(readFileSync(result.configPath, 'utf8')) as RevNetConfig;
    return readWeights(config, result.weightsPath).tensors;
  };
  const same = (a: Map<string, HostTensor>, b: Map<string, HostTensor>) => [...a].every(([name, t]) => Buffer.from(t.data.buffer).equals(Buffer.from((b.get(name) as HostTensor).data.buffer)));
  const without = await run('reg-none', {});
  const zero = await run('reg-zero', { stabilityReg: 0 });
  const regularized = await run('reg-on', { stabilityReg: 0.1 });
  assert.equal(without.size, zero.size);
  assert.ok(same(without, zero), 'λ = 0 changed the trained weights');
  assert.ok(!same(without, regularized), 'λ = 0.1 did not change the trained weights');
});
