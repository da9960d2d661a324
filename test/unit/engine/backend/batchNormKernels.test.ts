// The BatchNorm kernels (engine/backend/kernels/batchNormKernels.ts): our wasm SIMD loops against the cpu plain
// loops bit for bit, both against float64 loops, and training-mode BatchNorm-ReLU built on them against autodiff
// through plain TensorFlow.js ops: values, gradients, and second-order products (double vector-Jacobian).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../engine/backend';
import { BATCH_NORM_GRAD_INPUT, BATCH_NORM_GRAD_SUMS, BATCH_NORM_MOMENTS, BATCH_NORM_NORMALIZE } from '../../../../engine/backend/kernels/batchNormKernels';
import { batchNormOps, composedBatchNormOps, kernelBatchNormOps } from '../../../../engine/model/batchNormOps';
import { batchNormTraining } from '../../../../engine/model/batchNormTraining';
import { jvpByDoubleVjp } from '../../../../engine/stability/lipschitz';
import { SeededRandom } from '../../../../engine/util/random';

const EPS = 2 ** -24;
const BACKENDS = ['wasm', 'cpu'] as const;

before(async () => {
  await initBackend('cpu', { env: {} });
  await initBackend('wasm', { env: {} });
});

/** channel counts with and without a remainder past the 4-wide vectors; row counts around the 64-row blocks */
const shapes: [number, number, number, number][] = [[1, 1, 1, 1], [2, 3, 5, 6], [1, 8, 8, 4], [1, 65, 1, 5], [3, 7, 7, 16], [64, 7, 7, 8], [16, 14, 14, 2], [4, 9, 9, 35]];

interface Case {
  shape: [number, number, number, number];
  channels: number;
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  dy: Float32Array;
  coefficients: [Float32Array, Float32Array, Float32Array];
}

function makeCase(shape: [number, number, number, number], seed: number): Case {
  const random = new SeededRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const channels = shape[3];
  const perChannel = (scale: number, offset = 0) => Float32Array.from({ length: channels }, () => offset + scale * random.normal());
  // an offset per channel, where float32 sums lose most; β around 0 so that the ReLU cuts about half
  const offsets = perChannel(2, 1);
  return {
    shape,
    channels,
    x: Float32Array.from({ length: size }, (_, i) => offsets[i % channels] + random.normal()),
    gamma: perChannel(0.3, 1),
    beta: perChannel(0.5),
    dy: Float32Array.from({ length: size }, () => random.normal()),
    coefficients: [perChannel(1), perChannel(1), perChannel(1)],
  };
}

interface Outputs {
  mean: Float32Array;
  variance: Float32Array;
  invStd: Float32Array;
  xHat: Float32Array;
  y: Float32Array;
  sumD: Float32Array;
  sumDXHat: Float32Array;
  dx: Float32Array;
}

/** every kernel once, on `backend`, each fed the previous one's outputs */
async function runKernels(backend: 'wasm' | 'cpu', c: Case, relu: boolean): Promise<Outputs> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const ops = batchNormOps();
  assert.equal(ops, kernelBatchNormOps, `${backend}: batchNormOps picks the kernels`);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.shape);
    const { mean, variance } = ops.moments(x);
    // on the host: the backends' own Rsqrt kernels round differently
    const invStd = tf.tensor1d(Float32Array.from(variance.dataSync(), (v) => 1 / Math.sqrt(v + 1e-5)));
    const { xHat, y } = ops.normalize(x, mean, invStd, tf.tensor1d(c.gamma), tf.tensor1d(c.beta), relu);
    const dy = tf.tensor4d(c.dy, c.shape);
    const [a, b, shift] = c.coefficients.map((values) => tf.tensor1d(values));
    const { sumD, sumDXHat, dx } = ops.backward(dy, y, xHat, relu, () => ({ a, b, c: shift }));
    return [mean, variance, invStd, xHat, y, sumD, sumDXHat, dx].map((t) => Float32Array.from(t.dataSync()));
  });
  assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left`);
  const [mean, variance, invStd, xHat, y, sumD, sumDXHat, dx] = out;
  return { mean, variance, invStd, xHat, y, sumD, sumDXHat, dx };
}

test('the kernels are registered on wasm and cpu, and a BatchNorm-ReLU forward runs only them and two [C] ops', async () => {
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    for (const name of [BATCH_NORM_MOMENTS, BATCH_NORM_NORMALIZE, BATCH_NORM_GRAD_SUMS, BATCH_NORM_GRAD_INPUT]) {
      assert.equal(tf.getKernel(name, backend).kernelName, name, `${backend} ${name}`);
    }
    const x = tf.randomNormal<tf.Rank.R4>([2, 3, 3, 4]);
    const [gamma, beta] = [tf.ones([4]), tf.zeros([4])];
    const profile = await tf.profile(() => batchNormTraining(x, gamma, beta, 1e-5, undefined, true).dispose());
    const names = profile.kernels.map((k) => k.name);
    assert.deepEqual(names.filter((name) => name.startsWith('Revnet')), [BATCH_NORM_MOMENTS, BATCH_NORM_NORMALIZE], `${backend}: ${names.join(', ')}`);
    assert.ok(!names.includes('Relu') && !names.includes('FusedDepthwiseConv2D'), `${backend}: ${names.join(', ')}`);
    tf.dispose([x, gamma, beta]);
  }
});

test('wasm SIMD and cpu loops agree bit for bit (every kernel, with and without the ReLU)', async () => {
  for (const [index, shape] of shapes.entries()) {
    const c = makeCase(shape, 20 + index);
    for (const relu of [true, false]) {
      const wasm = await runKernels('wasm', c, relu);
      const cpu = await runKernels('cpu', c, relu);
      for (const key of Object.keys(wasm) as (keyof Outputs)[]) assert.deepEqual(wasm[key], cpu[key], `[${shape.join(',')}] relu ${relu}: ${key}`);
    }
  }
});

/** the same quantities in float64 loops, from the float32 inputs and (for the backward) the kernels' x̂ and y */
function float64Reference(c: Case, relu: boolean, ours: Outputs) {
  const { channels, x } = c;
  const rows = x.length / channels;
  const mean = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) mean[i % channels] += x[i] / rows;
  const variance = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) variance[i % channels] += (x[i] - mean[i % channels]) ** 2 / rows;
  const xHat = Float64Array.from(x, (v, i) => (v - mean[i % channels]) / Math.sqrt(variance[i % channels] + 1e-5));
  const scaled = Float64Array.from(xHat, (v, i) => v * c.gamma[i % channels] + c.beta[i % channels]);
  const y = relu ? scaled.map((v) => Math.max(v, 0)) : scaled;
  // the backward from the kernels' own y (which decides the mask) and x̂
  const d = Float64Array.from(c.dy, (v, i) => (!relu || ours.y[i] > 0 ? v : 0));
  const sumD = new Float64Array(channels);
  const sumDXHat = new Float64Array(channels);
  for (let i = 0; i < d.length; i++) {
    sumD[i % channels] += d[i];
    sumDXHat[i % channels] += d[i] * ours.xHat[i];
  }
  const [a, b, shift] = c.coefficients;
  const dx = Float64Array.from(d, (v, i) => v * a[i % channels] + shift[i % channels] + ours.xHat[i] * b[i % channels]);
  return { mean, variance, xHat, y, sumD, sumDXHat, dx };
}

function assertClose(got: Float32Array, want: Float64Array, bound: (i: number) => number, what: string): void {
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= bound(i), `${what}[${i}]: ${got[i]} vs ${want[i]} (bound ${bound(i)})`);
}

test('against float64 loops: statistics within the partial sums\' roundings, values and gradients within a few roundings', async () => {
  for (const [index, shape] of shapes.entries()) {
    const c = makeCase(shape, 40 + index);
    for (const relu of [true, false]) {
      const ours = await runKernels('wasm', c, relu);
      const want = float64Reference(c, relu, ours);
      const { channels } = c;
      const rows = c.x.length / channels;
      const label = `[${shape.join(',')}] relu ${relu}`;
      const absMax = (values: ArrayLike<number>, j: number) => {
        let m = 0;
        for (let i = j; i < values.length; i += channels) m = Math.max(m, Math.abs(values[i]));
        return m;
      };
      // a float32 partial holds at most 64 values; each value rounds once or twice before it
      assertClose(ours.mean, want.mean, (j) => 70 * EPS * absMax(c.x, j), `${label} mean`);
      assertClose(ours.variance, want.variance, (j) => 140 * EPS * absMax(c.x, j) ** 2 + 4 * EPS * Math.abs(want.mean[j]) * absMax(c.x, j), `${label} variance`);
      // x̂ inherits the statistics' errors relative to σ; well-spread channels (rows > 1) only
      if (rows > 1) {
        assertClose(ours.xHat, want.xHat, (i) => 1e-5 * (1 + Math.abs(want.xHat[i])), `${label} x̂`);
        assertClose(ours.y, want.y, (i) => 1e-5 * (1 + Math.abs(want.y[i])), `${label} y`);
      }
      const sumBound = (j: number) => 70 * EPS * rows * (absMax(c.dy, j) * (1 + absMax(ours.xHat, j)));
      assertClose(ours.sumD, want.sumD, sumBound, `${label} Σd`);
      assertClose(ours.sumDXHat, want.sumDXHat, sumBound, `${label} Σd·x̂`);
      assertClose(ours.dx, want.dx, (i) => 4 * EPS * (Math.abs(want.dx[i]) + 10), `${label} dx`);
    }
  }
});

/** BatchNorm-ReLU in plain ops (autodiff differentiates it; nothing of ours inside) */
function plainBatchNormRelu(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, [0, 1, 2]);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), [0, 1, 2]);
  return tf.relu(tf.add(tf.mul(tf.div(centered, tf.sqrt(tf.add(variance, 1e-5))), gamma), beta));
}

function relativeL2(a: tf.Tensor, b: tf.Tensor): number {
  const [da, db] = [a.dataSync(), b.dataSync()];
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < da.length; i++) {
    diff += (da[i] - db[i]) ** 2;
    norm += db[i] ** 2;
  }
  return Math.sqrt(diff / Math.max(norm, 1e-30));
}

/** BatchNorm-ReLU in training mode through batchNormTraining (our kernels or the ops, whichever the backend has) */
const batchNormRelu = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => batchNormTraining(input as tf.Tensor4D, g, b, 1e-5, undefined, true);

/** inside a tidy: batchNormRelu's value and gradients on `c` equal autodiff's through plain ops */
function assertEqualsPlainAutodiff(label: string, c: Case): void {
  const inputs = [tf.tensor4d(c.x, c.shape), tf.tensor1d(c.gamma), tf.tensor1d(c.beta)];
  const dy = tf.tensor4d(c.dy, c.shape);
  const expected = tf.valueAndGrads(plainBatchNormRelu)(inputs, dy);
  const actual = tf.valueAndGrads(batchNormRelu)(inputs, dy);
  assert.ok(relativeL2(actual.value, expected.value) < 1e-6, `${label} value: ${relativeL2(actual.value, expected.value)}`);
  ['x', 'gamma', 'beta'].forEach((name, i) => {
    const err = relativeL2(actual.grads[i], expected.grads[i]);
    assert.ok(err < 1e-5, `${label} d${name}: relative error ${err}`);
  });
}

test('BatchNorm-ReLU on the kernels: value, gradients and a double vector-Jacobian product equal autodiff through plain ops', async () => {
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const c = makeCase([4, 6, 6, 12], 7);
    tf.tidy(() => {
      assertEqualsPlainAutodiff(backend, c);
      // Jv by a VJP of a VJP: the gradient kernels' own gradients (with respect to dy, and through a, b, c)
      const x = tf.tensor4d(c.x, c.shape);
      const gamma = tf.tensor1d(c.gamma);
      const beta = tf.tensor1d(c.beta);
      const v = tf.tensor4d(makeCase(c.shape, 8).dy, c.shape);
      const jvOurs = jvpByDoubleVjp((t) => batchNormRelu(t, gamma, beta), x, v);
      const jvPlain = jvpByDoubleVjp((t) => plainBatchNormRelu(t, gamma, beta), x, v);
      assert.ok(relativeL2(jvOurs, jvPlain) < 1e-5, `${backend} Jv: relative error ${relativeL2(jvOurs, jvPlain)}`);
    });
    assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left`);
  }
});

test('the kernels\' gradients equal those of the same computation in TensorFlow.js ops (composedBatchNormOps)', async () => {
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const c = makeCase([3, 5, 5, 7], 11);
    tf.tidy(() => {
      const x = tf.tensor4d(c.x, c.shape);
      const { mean, variance } = kernelBatchNormOps.moments(x);
      const invStd = tf.rsqrt(tf.add<tf.Tensor1D>(variance, 1e-5));
      const { xHat, y } = kernelBatchNormOps.normalize(x, mean, invStd, tf.tensor1d(c.gamma), tf.tensor1d(c.beta), true);
      const [a, b, shift] = c.coefficients.map((values) => tf.tensor1d(values));
      const weights = tf.tensor4d(makeCase(c.shape, 12).dy, c.shape);
      const weights1 = tf.tensor1d(c.gamma);
      for (const relu of [true, false]) {
        // a scalar of every output, differentiated with respect to every input of the two gradient kernels
        const loss = (ops: typeof kernelBatchNormOps) => (dy: tf.Tensor, h: tf.Tensor, pa: tf.Tensor, pb: tf.Tensor, pc: tf.Tensor) => {
          const coefficients = { a: pa as tf.Tensor1D, b: pb as tf.Tensor1D, c: pc as tf.Tensor1D };
          const { sumD, sumDXHat, dx } = ops.backward(dy as tf.Tensor4D, y, h as tf.Tensor4D, relu, () => coefficients);
          return tf.add(tf.sum(tf.mul(dx, weights)), tf.sum(tf.mul(tf.add(sumD, tf.mul(sumDXHat, 0.5)), weights1)));
        };
        const inputs = [tf.tensor4d(c.dy, c.shape), xHat, a, b, shift];
        const ours = tf.grads(loss(kernelBatchNormOps))(inputs);
        const theirs = tf.grads(loss(composedBatchNormOps))(inputs);
        ['dy', 'xHat', 'a', 'b', 'c'].forEach((name, i) => {
          const err = relativeL2(ours[i], theirs[i]);
          assert.ok(err < 1e-5, `${backend} relu ${relu} d/d${name}: relative error ${err}`);
        });
      }
    });
    assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left`);
  }
});

test('without the kernels (as on the native backend) BatchNorm-ReLU takes the ops path, which equals autodiff too', async () => {
  await tf.setBackend('cpu');
  const ours = [BATCH_NORM_MOMENTS, BATCH_NORM_NORMALIZE, BATCH_NORM_GRAD_SUMS, BATCH_NORM_GRAD_INPUT].map((name) => tf.getKernel(name, 'cpu'));
  for (const config of ours) tf.unregisterKernel(config.kernelName, 'cpu');
  try {
    assert.equal(batchNormOps(), composedBatchNormOps);
    const before = tf.memory().numTensors;
    const c = makeCase([3, 5, 4, 6], 13);
    tf.tidy(() => {
      assertEqualsPlainAutodiff('ops path', c);
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor left');
  } finally {
    for (const config of ours) tf.registerKernel(config);
  }
});

test('bad input: a clear error naming the kernel and what is wrong', async () => {
  await tf.setBackend('cpu');
  const x = tf.zeros<tf.Rank.R4>([1, 2, 2, 3]);
  const wrong = tf.zeros<tf.Rank.R1>([2]);
  assert.throws(() => kernelBatchNormOps.normalize(x, wrong, wrong, wrong, wrong, true), /RevnetBatchNormNormalize: mean holds 2 values, expected one per channel \(3\)/);
  const y = tf.zeros<tf.Rank.R4>([1, 2, 2, 4]);
  assert.throws(() => kernelBatchNormOps.backward(x, y, x, true, () => ({ a: wrong, b: wrong, c: wrong })), /RevnetBatchNormGradSums: y has shape \[1, 2, 2, 4\], expected \[1, 2, 2, 3\]/);
  tf.dispose([x, y, wrong]);
});
