// Installs the convolution-gradient kernels that training needs where the backend's own are
// missing or slow: on wasm, Conv2DBackpropFilter is missing and the built-in Conv2DBackpropInput is
// slower than Conv2D; on cpu, the built-in Conv2DBackpropFilter is a plain loop. bench/kernels.ts
// prints each kernel's time as a ratio to Conv2D (engine/backend/README.md). The replacements are
// compositions of the same backend's Conv2D (see the kernels).
// Also for wasm a copy-free Identity and a BatchMatMul that transposes copies instead of using its slow
// transposed-operand path; and for wasm and cpu ChannelSums (per-channel sums in one kernel) and
// training-mode BatchNorm(-ReLU) in four kernels.
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterByConv } from './conv2dBackpropFilter';
import { conv2dBackpropInputByConv } from './conv2dBackpropInput';
import { identityAlias } from './identityAlias';
import { batchMatMulByTransposes } from './batchMatMulByTransposes';
import { builtInSetup, rememberBuiltIn } from './builtInKernels';
import { CHANNEL_SUMS, channelSumsGradient, cpuChannelSums, wasmChannelSums } from './channelSums';
import { batchNormGradients, batchNormKernels } from './batchNormKernels';

function config(kernelName: string, backendName: string, make: (backendName: string) => unknown): tf.KernelConfig {
  return { kernelName, backendName, kernelFunc: make(backendName) as tf.KernelFunc };
}

export const trainingKernels: readonly tf.KernelConfig[] = [
  config(tf.Conv2DBackpropInput, 'wasm', conv2dBackpropInputByConv),
  config(tf.Conv2DBackpropFilter, 'wasm', conv2dBackpropFilterByConv),
  config(tf.Conv2DBackpropFilter, 'cpu', conv2dBackpropFilterByConv),
  config(tf.Identity, 'wasm', identityAlias),
  { ...config(tf.BatchMatMul, 'wasm', batchMatMulByTransposes), setupFunc: builtInSetup(tf.BatchMatMul, 'wasm') },
  config(CHANNEL_SUMS, 'wasm', () => wasmChannelSums),
  config(CHANNEL_SUMS, 'cpu', () => cpuChannelSums),
  ...batchNormKernels,
];

export { builtInKernel } from './builtInKernels';

/** Idempotent: installs our kernels for `backendName`, remembering any built-in they replace. */
export function registerTrainingKernels(backendName: string): void {
  for (const ours of trainingKernels) {
    if (ours.backendName !== backendName) continue;
    const existing = tf.getKernel(ours.kernelName, backendName) as tf.KernelConfig | undefined;
    if (existing === ours) continue;
    if (existing !== undefined) {
      rememberBuiltIn(ours.kernelName, backendName, existing);
      tf.unregisterKernel(ours.kernelName, backendName);
    }
    tf.registerKernel(ours);
  }
  for (const gradient of [channelSumsGradient, ...batchNormGradients]) tf.registerGradient(gradient);
}
