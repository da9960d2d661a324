// The peak tensor memory of one training step, from TensorFlow.js's own accounting (tf.profile).
import * as tf from '@tensorflow/tfjs-core';
import type { Network, TrainMode } from '../model/network.types';
import { computeGradients } from './index';
import { disposeStep } from './disposeStep';

export interface StepPeak {
  /** tf.profile's peakBytes: every live tensor at the step's fullest moment, weights and batch included */
  peakBytes: number;
  /** bytes alive when the step started (weights, batch, anything else the caller holds) */
  startBytes: number;
  /** peakBytes - startBytes: what the step itself added at its peak (activations, gradients) */
  stepPeakBytes: number;
}

/** runs one step (which moves the BatchNorm running statistics, like any step) and disposes its results */
export async function measureStepPeak(net: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode): Promise<StepPeak> {
  const startBytes = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const step = computeGradients(net, images, labels, mode);
    disposeStep(step);
  });
  return { peakBytes: info.peakBytes, startBytes, stepPeakBytes: info.peakBytes - startBytes };
}
