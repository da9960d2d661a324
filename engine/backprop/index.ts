// computeGradients: one training step's gradients in either mode (the ComputeGradients contract).
import type * as tf from '@tensorflow/tfjs-core';
import type { ComputeGradients, Network, StepGradients, TrainMode } from '../model/network.types';
import type { BackpropHooks } from './hooks';
import { reversibleGradients } from './reversible';
import { standardGradients } from './standard';

export type { BackpropHooks, PassPhase } from './hooks';
export { ownerOfParam, stepParamNames } from './stepParams';

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
