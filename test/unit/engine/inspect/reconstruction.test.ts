// Reconstruction errors in training mode (BatchNorm with batch statistics, the default) against independent
// recomputations: the chain error against the inputs a real reversible backward pass rebuilds (captured here
// through its onRebuilt hook), the one-block error against the backward pass's own unit rebuild applied to
// the true output, the true activations against a float64 plain-loop residual with batch statistics, and on
// a deep fresh model the training-mode errors against the inference-mode ones.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeGradientsWithHooks, disposeStep } from '../../../../engine/backprop';
import { reversibleUnitBackward } from '../../../../engine/backprop/reversibleUnit';
import { hostBatch, loadInspectionData } from '../../../../engine/inspect/inspectionData';
import { measureReconstruction } from '../../../../engine/inspect/reconstruction';
import { residualLayers, type ReversibleStep, type ResidualSpec } from '../../../../engine/model/architecture';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk } from '../../../../engine/model/forward';
import { buildNetwork, trainingContext, type RevNet } from '../../../../engine/model/network';
import { splitHalves } from '../../../../engine/model/units';
import { withDefaults } from '../../../../engine/model/validateConfig';
import type { ReconstructionStats } from '../../../../protocol/inspectReport';
import { stridedConfig, useTestBackend } from '../networkFixtures';
import { reference } from '../errorReference';

const BATCH = 4;
const EPSILON = 1e-5;

function bits(net: RevNet): Map<string, Uint32Array> {
  const out = new Map<string, Uint32Array>();
  for (const [name, v] of [...net.weights.params, ...net.weights.buffers]) out.set(name, new Uint32Array(Float32Array.from(v.dataSync() as Float32Array).buffer));
  return out;
}

function restoreBits(net: RevNet, saved: Map<string, Uint32Array>): void {
  for (const [name, v] of [...net.weights.params, ...net.weights.buffers]) {
    tf.tidy(() => v.assign(tf.tensor(new Float32Array((saved.get(name) as Uint32Array).buffer.slice(0)), v.shape)));
  }
}

interface Host4D {
  data: Float64Array;
  shape: [number, number, number, number];
}

const host = (t: tf.Tensor4D): Host4D => ({ data: Float64Array.from(t.dataSync()), shape: t.shape });
const vector = (net: RevNet, name: string, buffers = false): Float32Array =>
  (buffers ? net.weights.buffers : net.weights.params).get(name)?.dataSync() as Float32Array;

/** BatchNorm (batch statistics over N,H,W, biased variance; or the running ones) then ReLU, float64 */
function batchNormRelu64(net: RevNet, name: string, x: Host4D, batchStatistics: boolean): Host4D {
  const [n, h, w, c] = x.shape;
  const count = n * h * w;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  if (batchStatistics) {
    for (let i = 0; i < x.data.length; i++) mean[i % c] += x.data[i] / count;
    for (let i = 0; i < x.data.length; i++) variance[i % c] += (x.data[i] - mean[i % c]) ** 2 / count;
  } else {
    mean.set(vector(net, `${name}.mean`, true));
    variance.set(vector(net, `${name}.variance`, true));
  }
  const gamma = vector(net, `${name}.gamma`);
  const beta = vector(net, `${name}.beta`);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const k = i % c;
    const v = (gamma[k] * (x.data[i] - mean[k])) / Math.sqrt(variance[k] + EPSILON) + beta[k];
    out[i] = Math.max(0, v);
  }
  return { data: out, shape: x.shape };
}

/** stride-1 "same" convolution, HWIO kernel, float64 */
function conv64(net: RevNet, name: string, x: Host4D): Host4D {
  const kernel = net.weights.params.get(`${name}.weight`) as tf.Variable;
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const k = kernel.dataSync();
  const [n, h, w] = x.shape;
  const out = new Float64Array(n * h * w * cout);
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) {
          let sum = 0;
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) {
              const ii = i + di - top;
              const jj = j + dj - left;
              if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
              for (let c = 0; c < cin; c++) sum += (x.data[((b * h + ii) * w + jj) * cin + c]) * (k[((di * kw + dj) * cin + c) * cout + o]);
            }
          out[((b * h + i) * w + j) * cout + o] = sum;
        }
  return { data: out, shape: [n, h, w, cout] };
}

function residual64(net: RevNet, spec: ResidualSpec, x: Host4D, batchStatistics: boolean): Host4D {
  let h = x;
  for (const layer of residualLayers(spec)) {
    assert.equal(layer.stride, 1, 'reversible units are stride 1');
    if (layer.bn !== undefined) h = batchNormRelu64(net, layer.bn, h, batchStatistics);
    h = conv64(net, layer.conv, h);
  }
  return h;
}

/** max over elements of |a - b - r| */
function couplingMismatch(a: Host4D, b: Host4D, r: Host4D): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i] - r.data[i]));
  return max;
}

const config = withDefaults(stridedConfig);
let net: RevNet;
let images: tf.Tensor4D;
let labels: tf.Tensor1D;
let stats: Map<string, ReconstructionStats>;
let saved: Map<string, Uint32Array>;
let tensorsBefore = 0;
let tensorsAfter = 0;

before(async () => {
  await useTestBackend();
  net = buildNetwork(config, 2);
  const batch = hostBatch(loadInspectionData(config, undefined), 0, BATCH);
  images = tf.tensor4d(batch.images, [batch.count, 8, 8, 3]);
  labels = tf.tensor1d(batch.labels, 'int32');
  // statistics that are not the fresh 0/1, so that the two BatchNorm modes differ
  for (const [name, v] of net.weights.buffers) tf.tidy(() => v.assign(tf.add(v, name.endsWith('.mean') ? 0.3 : 0.5)));
  saved = bits(net);
  tensorsBefore = tf.memory().numTensors;
  stats = measureReconstruction(net, images, labels);
  tensorsAfter = tf.memory().numTensors;
});

const reversibleSteps = (): { step: ReversibleStep; index: number }[] =>
  net.architecture.steps.flatMap((step, index) => (step.kind === 'reversible' ? [{ step, index }] : []));

/** the training-mode forward's true input and output of every reversible unit, as host arrays */
function trueActivations(): Map<string, { input: tf.Tensor4D; output: tf.Tensor4D }> {
  const run = forwardTrunk(net, images, { keepBlockOutputs: true, training: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const steps = net.architecture.steps;
  const out = new Map<string, { input: tf.Tensor4D; output: tf.Tensor4D }>();
  for (const { step, index } of reversibleSteps()) {
    out.set(step.id, { input: tf.clone(outputs.get((steps[index - 1] as { id: string }).id) as tf.Tensor4D), output: tf.clone(outputs.get(step.id) as tf.Tensor4D) });
  }
  tf.dispose([...outputs.values()]);
  return out;
}

test('measuring leaves the model bit for bit (the backward pass moved the running statistics) and no tensor behind', () => {
  assert.equal(tensorsAfter, tensorsBefore);
  assert.deepEqual(bits(net), saved);
  assert.deepEqual([...stats.keys()].sort(), reversibleSteps().map(({ step }) => step.id).sort());
});

test('the true activations are a training-mode forward: the coupling holds for a float64 residual with batch statistics, not running ones', () => {
  const truth = trueActivations();
  for (const { step } of reversibleSteps()) {
    const { input, output } = truth.get(step.id) as { input: tf.Tensor4D; output: tf.Tensor4D };
    const [x1, x2, y1, y2] = [...splitHalves(input), ...splitHalves(output)].map((t) => {
      const h = host(t);
      t.dispose();
      return h;
    }) as [Host4D, Host4D, Host4D, Host4D];
    const batchF = couplingMismatch(y1, x1, residual64(net, step.f, x2, true));
    const batchG = couplingMismatch(y2, x2, residual64(net, step.g, y1, true));
    const runningG = couplingMismatch(y2, x2, residual64(net, step.g, y1, false));
    assert.ok(batchF < 1e-4 && batchG < 1e-4, `${step.id}: y - x - R(batch statistics) ${batchF}, ${batchG}`);
    assert.ok(runningG > 100 * Math.max(batchG, 1e-6), `${step.id}: the running statistics would not fit (${runningG} vs ${batchG})`);
  }
  tf.dispose([...truth.values()].flatMap(({ input, output }) => [input, output]));
});

test('chain error = the reversible backward pass rebuilt input (onRebuilt) against the training-mode true input', () => {
  const rebuilt = new Map<string, Float32Array>();
  const step = computeGradientsWithHooks(net, images, labels, 'reversible', {
    onRebuilt: (id, x) => rebuilt.set(id, Float32Array.from(x.dataSync() as Float32Array)),
  });
  disposeStep(step);
  restoreBits(net, saved);
  const truth = trueActivations();
  assert.equal(rebuilt.size, reversibleSteps().length, 'the backward pass rebuilt every reversible unit');
  let someError = 0;
  for (const { step: unit } of reversibleSteps()) {
    const input = truth.get(unit.id)?.input as tf.Tensor4D;
    const expected = reference(input.dataSync(), rebuilt.get(unit.id) as Float32Array, unit.inShape[2]);
    const got = stats.get(unit.id) as ReconstructionStats;
    assert.equal(got.chainMaxAbs, expected.max, `${unit.id} chainMaxAbs`);
    assert.ok(Math.abs(got.chainRelL2 - expected.relL2) <= 1e-12 * expected.relL2 + 1e-300, `${unit.id} chainRelL2 ${got.chainRelL2} vs ${expected.relL2}`);
    assert.deepEqual(got.channelChainMaxAbs, expected.perChannel, `${unit.id} per channel`);
    someError = Math.max(someError, expected.max);
  }
  assert.ok(someError > 0, 'float32 leaves some chain error to measure');
  // the trunk's last unit is rebuilt from the stored (true) features: there chain = one-block
  const last = reversibleSteps().at(-1)?.step.id as string;
  assert.equal(stats.get(last)?.chainMaxAbs, stats.get(last)?.maxAbs);
  tf.dispose([...truth.values()].flatMap(({ input, output }) => [input, output]));
});

test('one-block error = the backward pass unit rebuild from the true output, against the true input', () => {
  const truth = trueActivations();
  const ctx = trainingContext(net);
  for (const { step } of reversibleSteps()) {
    const { input, output } = truth.get(step.id) as { input: tf.Tensor4D; output: tf.Tensor4D };
    const y = splitHalves(output);
    const dy: [tf.Tensor4D, tf.Tensor4D] = [tf.zerosLike(y[0]), tf.zerosLike(y[1])];
    const unit = reversibleUnitBackward(ctx, step, y, dy);
    const x = tf.concat(unit.x, 3);
    const expected = reference(input.dataSync(), x.dataSync(), step.inShape[2]);
    tf.dispose([...y, ...dy, ...unit.x, ...unit.dx, ...unit.grads.values(), x]);
    const got = stats.get(step.id) as ReconstructionStats;
    assert.equal(got.maxAbs, expected.max, `${step.id} maxAbs`);
    assert.ok(Math.abs(got.relL2 - expected.relL2) <= 1e-12 * expected.relL2 + 1e-300, `${step.id} relL2`);
    assert.deepEqual(got.channelMaxAbs, expected.perChannel, `${step.id} per channel`);
    assert.equal(got.worstChannel.maxAbs, Math.max(...expected.perChannel));
  }
  tf.dispose([...truth.values()].flatMap(({ input, output }) => [input, output]));
});

/** one stage of 16 basic units on fresh weights (running mean 0, variance 1) */
const deep: RevNetConfig = withDefaults({
  name: 'test-deep-16',
  input: { height: 16, width: 16, channels: 1 },
  classes: 3,
  stem: { kind: 'squeeze' },
  stages: [{ units: 16, channels: 4, residual: 'basic', downsample: 'none' }],
  head: { pool: 'global-average' },
});

test('a deep fresh model: training-mode errors are orders of magnitude below inference-mode ones', (t) => {
  const deepNet = buildNetwork(deep, 1);
  const batch = hostBatch(loadInspectionData(deep, undefined), 0, BATCH);
  const x = tf.tensor4d(batch.images, [batch.count, 16, 16, 1]);
  const y = tf.tensor1d(batch.labels, 'int32');
  const worst = (m: Map<string, ReconstructionStats>, key: 'maxAbs' | 'chainMaxAbs' | 'relL2' | 'chainRelL2') => Math.max(...[...m.values()].map((s) => s[key]));
  const training = measureReconstruction(deepNet, x, y, 'training');
  const inference = measureReconstruction(deepNet, x, y, 'inference');
  tf.dispose([x, y]);
  deepNet.dispose();
  for (const key of ['maxAbs', 'chainMaxAbs', 'relL2', 'chainRelL2'] as const) t.diagnostic(`${key}: training ${worst(training, key).toExponential(3)}, inference ${worst(inference, key).toExponential(3)}`);
  assert.equal(training.size, 16);
  // running statistics of 0/1 let activations grow along the residual additions, and the absolute errors with
  // them; the relative one-block error is float32 rounding in both modes, so only the absolute one is compared
  assert.ok(worst(training, 'chainMaxAbs') * 100 < worst(inference, 'chainMaxAbs'), 'chain max-abs');
  assert.ok(worst(training, 'chainRelL2') * 100 < worst(inference, 'chainRelL2'), 'chain relL2');
  assert.ok(worst(training, 'maxAbs') * 5 < worst(inference, 'maxAbs'), 'one-block max-abs');
  assert.ok(worst(training, 'chainMaxAbs') < 1e-4, `training-mode chain ${worst(training, 'chainMaxAbs')}`);
});
