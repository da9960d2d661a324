// Releases everything one training step returned: its loss, logits and every gradient.
import * as tf from '@tensorflow/tfjs-core';
import type { StepGradients } from '../model/network.types';

export function disposeStep(step: StepGradients): void {
  tf.dispose([step.loss, step.logits, ...step.grads.values()]);
}
