// The kernels a backend shipped that ours replaced (registerKernels.ts fills this): kept for tests and
// benchmarks, and for our kernels that hand some calls on to the built-in.
import type * as tf from '@tensorflow/tfjs-core';

const replaced = new Map<string, tf.KernelConfig>();
const key = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

export function rememberBuiltIn(kernelName: string, backendName: string, builtIn: tf.KernelConfig): void {
  replaced.set(key(kernelName, backendName), builtIn);
}

/** The kernel the backend itself shipped, if ours replaced one. */
export function builtInKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return replaced.get(key(kernelName, backendName));
}

