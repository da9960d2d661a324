// What our per-channel kernels (ChannelSums, the BatchNorm kernels) share: an NHWC tensor seen as a row-major
// [rows, channels] matrix, float32 inputs, their wasm loops (engine/backend/simd/perChannel.wat), and on cpu the
// cpu backend's values and the same summation in a plain loop.
import * as tf from '@tensorflow/tfjs-core';
import { perChannelWasm } from '../simd/perChannelWasm';
import { SimdModule } from './simdModule';

/** how many float32 values one partial sum holds before it goes into the float64 sum (as in the .wat) */
export const PARTIAL_ROWS = 64;

/** the exports of perChannel.wat: addresses in the backend's memory, sizes in values */
export interface PerChannelLoops {
  channelSums(x: number, rows: number, c: number, partials: number, sums: number): void;
  moments(x: number, rows: number, c: number, partials: number, sums: number, mean: number, variance: number): void;
  normalize(x: number, rows: number, c: number, mean: number, invStd: number, gamma: number, beta: number, noRelu: number, xHat: number, y: number): void;
  gradSums(dy: number, y: number, xHat: number, rows: number, c: number, noRelu: number, partials: number, sums: number): void;
  gradInput(dy: number, y: number, xHat: number, rows: number, c: number, noRelu: number, a: number, b: number, shift: number, dx: number): void;
}

export const perChannelModule = new SimdModule<PerChannelLoops>(perChannelWasm);

export function rowsAndChannels(x: tf.TensorInfo): { rows: number; channels: number } {
  const channels = x.shape.at(-1) ?? 1;
  return { rows: channels === 0 ? 0 : tf.util.sizeFromShape(x.shape) / channels, channels };
}

export function checkFloat32(kernelName: string, ...tensors: tf.TensorInfo[]): void {
  for (const x of tensors) if (x.dtype !== 'float32') throw new Error(`${kernelName}: float32 input expected, got ${x.dtype}`);
}

/** every input holds one value per channel of `channels` */
export function checkPerChannel(kernelName: string, channels: number, named: Record<string, tf.TensorInfo>): void {
  for (const [name, x] of Object.entries(named)) {
    const size = tf.util.sizeFromShape(x.shape);
    if (size !== channels) throw new Error(`${kernelName}: ${name} holds ${size} values, expected one per channel (${channels})`);
  }
}

interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** a tensor's float32 values on the cpu backend (read in place) */
export function cpuValues(kernelName: string, backend: tf.KernelBackend, x: tf.TensorInfo): Float32Array {
  const values = (backend as unknown as CpuBackend).data.get(x.dataId).values;
  if (!(values instanceof Float32Array)) throw new Error(`${kernelName}: the cpu backend holds no float32 values for an input`);
  return values;
}

export function cpuOutput(backend: tf.KernelBackend, shape: number[], values: Float32Array): tf.TensorInfo {
  return (backend as unknown as CpuBackend).makeTensorInfo(shape, 'float32', values);
}

/**
 * Σ over the rows of term(row·channels + j, j) per channel j, as the wasm loops sum: float32 partials of at most
 * PARTIAL_ROWS rows, added into float64 sums
 */
export function sumRows(rows: number, channels: number, term: (index: number, channel: number) => number): Float64Array {
  const sums = new Float64Array(channels);
  const partials = new Float32Array(channels);
  for (let row = 0; row < rows; row++) {
    const offset = row * channels;
    for (let j = 0; j < channels; j++) partials[j] += term(offset + j, j);
    if ((row + 1) % PARTIAL_ROWS === 0 || row + 1 === rows) {
      for (let j = 0; j < channels; j++) sums[j] += partials[j];
      partials.fill(0);
    }
  }
  return sums;
}
