// ChannelSums: Σ over every axis but the last, as one kernel ([..., C] → [C]): the sums BatchNorm and the
// per-channel affine's gradients take several times per layer. On wasm it runs our own SIMD loop
// (engine/backend/simd/channelSums.wat) in the backend's memory; on cpu a plain loop. Both add float32 partials
// of at most 64 values into float64 sums, so they are more accurate than the matrix product they replace
// (engine/backend/README.md gives the times).
import * as tf from '@tensorflow/tfjs-core';
import { channelSumsWasm } from '../simd/channelSumsWasm';
import { checkFloat32, cpuOutput, cpuValues, rowsAndChannels } from './channelLayout';
import { addressOf, float64View, SimdModule, wasmBackendFor, withScratch } from './simdModule';

export const CHANNEL_SUMS = 'RevnetChannelSums';

/** how many float32 values one partial sum holds before it goes into the float64 sum (as in the .wat) */
export const PARTIAL_ROWS = 64;

type ChannelSumsLoop = (x: number, rows: number, channels: number, partials: number, sums: number) => void;

const channelSumsModule = new SimdModule<{ channelSums: ChannelSumsLoop }>(channelSumsWasm);

type ChannelSumsKernel = (params: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }) => tf.TensorInfo;

export const wasmChannelSums: ChannelSumsKernel = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  checkFloat32(CHANNEL_SUMS, x);
  const wasm = wasmBackendFor(CHANNEL_SUMS, backend);
  const { rows, channels } = rowsAndChannels(x);
  // float32 partials, then float64 sums at the next multiple of 8
  return withScratch(wasm, channels * 12 + 8, (partials) => {
    const sums = Math.ceil((partials + channels * 4) / 8) * 8;
    channelSumsModule.exportsFor(wasm).channelSums(addressOf(wasm, x), rows, channels, partials, sums);
    const out = wasm.makeOutput([channels], 'float32');
    // views made after the loop and the allocation: either may have grown the memory
    wasm.typedArrayFromHeap(out).set(float64View(wasm, sums, channels));
    return out;
  });
};

export const cpuChannelSums: ChannelSumsKernel = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  checkFloat32(CHANNEL_SUMS, x);
  const values = cpuValues(CHANNEL_SUMS, backend, x);
  const { rows, channels } = rowsAndChannels(x);
  const sums = new Float64Array(channels);
  const partials = new Float32Array(channels);
  for (let row = 0; row < rows; row++) {
    const offset = row * channels;
    for (let j = 0; j < channels; j++) partials[j] += values[offset + j];
    if ((row + 1) % PARTIAL_ROWS === 0 || row + 1 === rows) {
      for (let j = 0; j < channels; j++) sums[j] += partials[j];
      partials.fill(0);
    }
  }
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
