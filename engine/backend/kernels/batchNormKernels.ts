// Training-mode BatchNorm, with the ReLU that follows it, as four kernels of our own instead of about a dozen
// small ones per direction (engine/model/batchNormOps.ts puts them together):
//   BatchNormMoments   x → mean, biased variance per channel (float32 partials of ≤ 64 rows into float64 sums);
//   BatchNormNormalize x, mean, invStd, γ, β → x̂ = (x - mean)·invStd, y = x̂·γ + β (then the ReLU, attr relu);
//   BatchNormGradSums  dy, y, x̂ → Σd, Σd·x̂ with d = dy·step(y) (d = dy without relu);
//   BatchNormGradInput dy, y, x̂, a, b, c → dx = (d·a + c) + x̂·b.
// On wasm they run our own SIMD loops (engine/backend/simd/perChannel.wat) in the backend's memory; on cpu plain
// loops with the same float32 operations in the same order, which agree with them bit for bit. The two gradient
// kernels run inside a gradient, so they have gradients themselves (for the stability measures' second-order
// products).
import * as tf from '@tensorflow/tfjs-core';
import { checkFloat32, checkPerChannel, cpuOutput, cpuValues, perChannelModule, rowsAndChannels, sumRows } from './channelLayout';
import { CHANNEL_SUMS } from './channelSums';
import { addressOf, outputFromFloat64, wasmBackendFor, withPartialsAndSums } from './simdModule';

export const BATCH_NORM_MOMENTS = 'RevnetBatchNormMoments';
export const BATCH_NORM_NORMALIZE = 'RevnetBatchNormNormalize';
export const BATCH_NORM_GRAD_SUMS = 'RevnetBatchNormGradSums';
export const BATCH_NORM_GRAD_INPUT = 'RevnetBatchNormGradInput';

export interface ReluAttrs {
  /** a ReLU follows the BatchNorm */
  relu: boolean;
}

interface KernelParams {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}
type KernelFunc = (params: KernelParams) => tf.TensorInfo | tf.TensorInfo[];

function input(kernelName: string, inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const x = inputs[name];
  if (x === undefined) throw new Error(`${kernelName}: no input "${name}"`);
  return x;
}

/** the inputs by name, checked: float32, the big ones of one shape, the per-channel ones one value per channel */
function inputsOf(kernelName: string, inputs: tf.NamedTensorInfoMap, big: string[], perChannel: string[]) {
  const named = Object.fromEntries([...big, ...perChannel].map((name) => [name, input(kernelName, inputs, name)]));
  checkFloat32(kernelName, ...Object.values(named));
  const first = named[big[0]];
  for (const name of big) {
    if (!tf.util.arraysEqual(named[name].shape, first.shape)) throw new Error(`${kernelName}: ${name} has shape [${named[name].shape.join(', ')}], expected [${first.shape.join(', ')}]`);
  }
  const { rows, channels } = rowsAndChannels(first);
  checkPerChannel(kernelName, channels, Object.fromEntries(perChannel.map((name) => [name, named[name]])));
  return { named, rows, channels, shape: first.shape };
}

const reluOf = (attrs: tf.NamedAttrMap | undefined): boolean => (attrs as Partial<ReluAttrs> | undefined)?.relu === true;

// ---- wasm ----

const wasmMoments: KernelFunc = ({ inputs, backend }) => {
  const { named, rows, channels } = inputsOf(BATCH_NORM_MOMENTS, inputs, ['x'], []);
  const wasm = wasmBackendFor(BATCH_NORM_MOMENTS, backend);
  const mean = wasm.makeOutput([channels], 'float32');
  const variance = wasm.makeOutput([channels], 'float32');
  withPartialsAndSums(wasm, channels, (partials, sums) => {
    const [x, m, v] = [named['x'], mean, variance].map((t) => addressOf(wasm, t));
    perChannelModule.exportsFor(wasm).moments(x, rows, channels, partials, sums, m, v);
  });
  return [mean, variance];
};

const wasmNormalize: KernelFunc = ({ inputs, backend, attrs }) => {
  const { named, rows, channels, shape } = inputsOf(BATCH_NORM_NORMALIZE, inputs, ['x'], ['mean', 'invStd', 'gamma', 'beta']);
  const wasm = wasmBackendFor(BATCH_NORM_NORMALIZE, backend);
  const xHat = wasm.makeOutput(shape, 'float32');
  const y = wasm.makeOutput(shape, 'float32');
  const at = (t: tf.TensorInfo): number => addressOf(wasm, t);
  const noRelu = reluOf(attrs) ? 0 : 1;
  perChannelModule.exportsFor(wasm).normalize(at(named['x']), rows, channels, at(named['mean']), at(named['invStd']), at(named['gamma']), at(named['beta']), noRelu, at(xHat), at(y));
  return [xHat, y];
};

const wasmGradSums: KernelFunc = ({ inputs, backend, attrs }) => {
  const { named, rows, channels } = inputsOf(BATCH_NORM_GRAD_SUMS, inputs, ['dy', 'y', 'xHat'], []);
  const wasm = wasmBackendFor(BATCH_NORM_GRAD_SUMS, backend);
  // Σd then Σd·x̂, each `channels` long
  return withPartialsAndSums(wasm, 2 * channels, (partials, sums) => {
    const at = (t: tf.TensorInfo): number => addressOf(wasm, t);
    perChannelModule.exportsFor(wasm).gradSums(at(named['dy']), at(named['y']), at(named['xHat']), rows, channels, reluOf(attrs) ? 0 : 1, partials, sums);
    return [0, 1].map((half) => outputFromFloat64(wasm, sums + half * channels * 8, channels));
  });
};

const wasmGradInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { named, rows, channels, shape } = inputsOf(BATCH_NORM_GRAD_INPUT, inputs, ['dy', 'y', 'xHat'], ['a', 'b', 'c']);
  const wasm = wasmBackendFor(BATCH_NORM_GRAD_INPUT, backend);
  const dx = wasm.makeOutput(shape, 'float32');
  const at = (t: tf.TensorInfo): number => addressOf(wasm, t);
  perChannelModule.exportsFor(wasm).gradInput(at(named['dy']), at(named['y']), at(named['xHat']), rows, channels, reluOf(attrs) ? 0 : 1, at(named['a']), at(named['b']), at(named['c']), at(dx));
  return dx;
};

// ---- cpu: the same float32 operations in the same order (Math.fround after each) ----

const f = Math.fround;

const cpuMoments: KernelFunc = ({ inputs, backend }) => {
  const { named, rows, channels } = inputsOf(BATCH_NORM_MOMENTS, inputs, ['x'], []);
  const x = cpuValues(BATCH_NORM_MOMENTS, backend, named['x']);
  const mean = Float32Array.from(sumRows(rows, channels, (i) => x[i]), (sum) => sum / rows);
  const variance = Float32Array.from(
    sumRows(rows, channels, (i, j) => {
      const deviation = f(x[i] - mean[j]);
      return f(deviation * deviation);
    }),
    (sum) => sum / rows,
  );
  return [cpuOutput(backend, [channels], mean), cpuOutput(backend, [channels], variance)];
};

/** d = dy·m, m = 1 where y > 0 or NaN (or everywhere without a ReLU), else 0 */
const masked = (dy: number, y: number, relu: boolean): number => f(dy * (!relu || !(y <= 0) ? 1 : 0));

const cpuNormalize: KernelFunc = ({ inputs, backend, attrs }) => {
  const { named, rows, channels, shape } = inputsOf(BATCH_NORM_NORMALIZE, inputs, ['x'], ['mean', 'invStd', 'gamma', 'beta']);
  const [x, mean, invStd, gamma, beta] = ['x', 'mean', 'invStd', 'gamma', 'beta'].map((name) => cpuValues(BATCH_NORM_NORMALIZE, backend, named[name]));
  const relu = reluOf(attrs);
  const xHat = new Float32Array(rows * channels);
  const y = new Float32Array(rows * channels);
  for (let i = 0; i < xHat.length; i++) {
    const j = i % channels;
    xHat[i] = f(f(x[i] - mean[j]) * invStd[j]);
    const scaled = f(f(xHat[i] * gamma[j]) + beta[j]);
    y[i] = relu && scaled <= 0 ? 0 : scaled;
  }
  return [cpuOutput(backend, shape, xHat), cpuOutput(backend, shape, y)];
};

const cpuGradSums: KernelFunc = ({ inputs, backend, attrs }) => {
  const { named, rows, channels } = inputsOf(BATCH_NORM_GRAD_SUMS, inputs, ['dy', 'y', 'xHat'], []);
  const [dy, y, xHat] = ['dy', 'y', 'xHat'].map((name) => cpuValues(BATCH_NORM_GRAD_SUMS, backend, named[name]));
  const relu = reluOf(attrs);
  const sumD = sumRows(rows, channels, (i) => masked(dy[i], y[i], relu));
  const sumDXHat = sumRows(rows, channels, (i) => f(masked(dy[i], y[i], relu) * xHat[i]));
  return [cpuOutput(backend, [channels], Float32Array.from(sumD)), cpuOutput(backend, [channels], Float32Array.from(sumDXHat))];
};

const cpuGradInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { named, rows, channels, shape } = inputsOf(BATCH_NORM_GRAD_INPUT, inputs, ['dy', 'y', 'xHat'], ['a', 'b', 'c']);
  const [dy, y, xHat, a, b, c] = ['dy', 'y', 'xHat', 'a', 'b', 'c'].map((name) => cpuValues(BATCH_NORM_GRAD_INPUT, backend, named[name]));
  const relu = reluOf(attrs);
  const dx = new Float32Array(rows * channels);
  for (let i = 0; i < dx.length; i++) {
    const j = i % channels;
    dx[i] = f(f(f(masked(dy[i], y[i], relu) * a[j]) + c[j]) + f(xHat[i] * b[j]));
  }
  return cpuOutput(backend, shape, dx);
};

const kernel = (kernelName: string, backendName: string, kernelFunc: KernelFunc): tf.KernelConfig => ({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });

export const batchNormKernels: readonly tf.KernelConfig[] = [
  kernel(BATCH_NORM_MOMENTS, 'wasm', wasmMoments),
  kernel(BATCH_NORM_NORMALIZE, 'wasm', wasmNormalize),
  kernel(BATCH_NORM_GRAD_SUMS, 'wasm', wasmGradSums),
  kernel(BATCH_NORM_GRAD_INPUT, 'wasm', wasmGradInput),
  kernel(BATCH_NORM_MOMENTS, 'cpu', cpuMoments),
  kernel(BATCH_NORM_NORMALIZE, 'cpu', cpuNormalize),
  kernel(BATCH_NORM_GRAD_SUMS, 'cpu', cpuGradSums),
  kernel(BATCH_NORM_GRAD_INPUT, 'cpu', cpuGradInput),
];

// ---- gradients of the two gradient kernels, in differentiable ops (ChannelSums is there wherever these are) ----

const channelSum = (x: tf.Tensor): tf.Tensor => tf.engine().runKernel<tf.Tensor>(CHANNEL_SUMS, { x }, {});

/** the ReLU's mask step(y) as values (1 without a ReLU) */
function mask(y: tf.Tensor, relu: boolean): tf.Tensor {
  return relu ? tf.step(y) : tf.onesLike(y);
}

export const batchNormGradients: readonly tf.GradConfig[] = [
  {
    kernelName: BATCH_NORM_GRAD_SUMS,
    inputsToSave: ['dy', 'y', 'xHat'],
    gradFunc: (upstream, saved, attrs) => {
      const [dy, y, xHat] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [uSum, uSumXHat] = upstream as [tf.Tensor, tf.Tensor];
      const m = (): tf.Tensor => mask(y, reluOf(attrs));
      return {
        dy: () => tf.mul(m(), tf.add(uSum, tf.mul(uSumXHat, xHat))),
        y: () => tf.zerosLike(y),
        xHat: () => tf.mul(tf.mul(m(), dy), uSumXHat),
      };
    },
  },
  {
    kernelName: BATCH_NORM_GRAD_INPUT,
    inputsToSave: ['dy', 'y', 'xHat', 'a', 'b'],
    gradFunc: (upstream, saved, attrs) => {
      const [dy, y, xHat, a, b] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const u = upstream as tf.Tensor;
      const m = (): tf.Tensor => mask(y, reluOf(attrs));
      return {
        dy: () => tf.mul(tf.mul(m(), a), u),
        y: () => tf.zerosLike(y),
        xHat: () => tf.mul(b, u),
        a: () => channelSum(tf.mul(tf.mul(m(), dy), u)),
        b: () => channelSum(tf.mul(u, xHat)),
        c: () => channelSum(u),
      };
    },
  },
];
