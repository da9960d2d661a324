// computeGradients: one training step's gradients in either mode (the ComputeGradients contract).
import type * as tf from '@tensorflow/tfjs-core';
import type { ComputeGradients, Network, StepGradients, TrainMode } from '../model/network.types';
import type { BackpropHooks } from './hooks';
import { reversibleGradients, reversibleGradientsYielding } from './reversible';
import { standardGradients } from './standard';

export type { BackpropHooks, PassPhase } from './hooks';
export { ownerOfParam, stepParamNames } from './stepParams';
export { disposeStep } from './disposeStep';

export function computeGradientsWithHooks(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: TrainMode,
  hooks: BackpropHooks,
): StepGradients {
  return mode === 'reversible' ? reversibleGradients(network, images, labels, hooks) : standardGradients(network, images, labels, hooks);
}

export const computeGradients: ComputeGradients = (network, images, labels, mode) =>
  computeGradientsWithHooks(network, images, labels, mode, {});

/**
 * computeGradients awaiting `pause()` between the steps of the trunk, so that the event loop runs inside a long
 * step (Stop, status). Reversible mode only: standard autodiff is one synchronous tape over the whole network.
 */
export async function computeGradientsYielding(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: TrainMode,
  pause: () => Promise<void>,
): Promise<StepGradients> {
  return mode === 'reversible' ? reversibleGradientsYielding(network, images, labels, pause) : standardGradients(network, images, labels);
}
