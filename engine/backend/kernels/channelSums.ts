// ChannelSums: Σ over every axis but the last, as one kernel ([..., C] → [C]): the sums BatchNorm and the
// per-channel affine's gradients take several times per layer. On wasm it runs our own SIMD loop
// (engine/backend/simd/perChannel.wat) in the backend's memory; on cpu a plain loop. Both add float32 partials
// of at most 64 values into float64 sums, so they are more accurate than the matrix product they replace
// (engine/backend/README.md gives the times).
import * as tf from '@tensorflow/tfjs-core';
import { checkFloat32, cpuOutput, cpuValues, perChannelModule, rowsAndChannels, sumRows } from './channelLayout';
import { addressOf, outputFromFloat64, wasmBackendFor, withPartialsAndSums } from './simdModule';

export const CHANNEL_SUMS = 'RevnetChannelSums';

type ChannelSumsKernel = (params: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }) => tf.TensorInfo;

export const wasmChannelSums: ChannelSumsKernel = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  checkFloat32(CHANNEL_SUMS, x);
  const wasm = wasmBackendFor(CHANNEL_SUMS, backend);
  const { rows, channels } = rowsAndChannels(x);
  return withPartialsAndSums(wasm, channels, (partials, sums) => {
    perChannelModule.exportsFor(wasm).channelSums(addressOf(wasm, x), rows, channels, partials, sums);
    return outputFromFloat64(wasm, sums, channels);
  });
};

export const cpuChannelSums: ChannelSumsKernel = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  checkFloat32(CHANNEL_SUMS, x);
  const values = cpuValues(CHANNEL_SUMS, backend, x);
  const { rows, channels } = rowsAndChannels(x);
  const sums = sumRows(rows, channels, (i) => values[i]);
  return cpuOutput(backend, [channels], Float32Array.from(sums));
};

/** the gradient: every row gets the sums' upstream gradient (differentiable again, for gradients of gradients) */
export const channelSumsGradient: tf.GradConfig = {
  kernelName: CHANNEL_SUMS,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const upstream = dy as tf.Tensor;
    return { x: () => tf.broadcastTo(tf.reshape(upstream, [...x.shape.slice(0, -1).map(() => 1), upstream.size]), x.shape) };
  },
};
