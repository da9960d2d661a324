// What our per-channel kernels (ChannelSums, the BatchNorm kernels) share: an NHWC tensor seen as a row-major
// [rows, channels] matrix, float32 inputs, and the cpu backend's values.
import * as tf from '@tensorflow/tfjs-core';

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
