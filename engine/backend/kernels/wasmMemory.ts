// What of the wasm backend our own wasm kernels use beyond other kernels: allocation and a view of a
// tensor's memory (the backend's own, as its kernels use them).
import type * as tf from '@tensorflow/tfjs-core';

export interface WasmMemory {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

export function isWasmMemory(backend: tf.KernelBackend): backend is tf.KernelBackend & WasmMemory {
  const candidate = backend as Partial<WasmMemory>;
  return typeof candidate.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function';
}
