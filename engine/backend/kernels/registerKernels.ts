// Installs the wasm kernels that training needs and tfjs-backend-wasm 4.22 lacks or runs slowly.
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterByConv } from './conv2dBackpropFilter';
import { conv2dBackpropInputByConv } from './conv2dBackpropInput';

const backendName = 'wasm';

export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropInput, backendName, kernelFunc: conv2dBackpropInputByConv(backendName) as unknown as tf.KernelFunc },
  { kernelName: tf.Conv2DBackpropFilter, backendName, kernelFunc: conv2dBackpropFilterByConv(backendName) as unknown as tf.KernelFunc },
];

let builtInBackpropInput: tf.KernelConfig | undefined;

/** The kernel tfjs-backend-wasm shipped for Conv2DBackpropInput, kept for benchmarks. */
export function builtInWasmBackpropInput(): tf.KernelConfig | undefined {
  return builtInBackpropInput;
}

/** Idempotent: replaces (or adds) each kernel for the wasm backend. */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    const existing = tf.getKernel(config.kernelName, backendName);
    if (existing === config) continue;
    if (existing !== undefined) {
      if (config.kernelName === tf.Conv2DBackpropInput) builtInBackpropInput = existing;
      tf.unregisterKernel(config.kernelName, backendName);
    }
    tf.registerKernel(config);
  }
}
