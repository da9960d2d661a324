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

/**
 * A setup function that runs the built-in's (the wasm backend binds its kernels' functions in them when it
 * starts, which it does after ours are registered), for our kernels that call the built-in.
 */
export function builtInSetup(kernelName: string, backendName: string): tf.KernelSetupFunc {
  return (backend) => builtInKernel(kernelName, backendName)?.setupFunc?.(backend);
}
