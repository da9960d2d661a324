// Markers a caller can attach to a training step: which unit is running (for a memory timeline)
// and what the reversible backward pass rebuilt (for the chain reconstruction error).
import * as tf from '@tensorflow/tfjs-core';

export type PassPhase = 'forward' | 'backward';

export interface BackpropHooks {
  /** called at the start of every trunk step ("stem", "stage2.squeeze", "stage1.unit0") and of the head ("head") */
  onUnit?(id: string, phase: PassPhase): void;
  /** reversible mode: the input a reversible unit's backward pass rebuilt from its output; valid only during the call */
  onRebuilt?(id: string, input: tf.Tensor4D): void;
  /**
   * this batch's share of a larger batch (a data-parallel worker's slice, engine/parallel): the loss, and so
   * every gradient, is multiplied by it, so that the slices' gradients add up to the whole batch's
   */
  lossWeight?: number;
}

export function weightedLoss(loss: tf.Scalar, weight: number | undefined): tf.Scalar {
  return weight === undefined ? loss : tf.mul(loss, weight);
}
