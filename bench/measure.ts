// Our side's timed operations: one inference forward (`revnet forward`'s predict) and one training
// step's gradients in either mode; each reads its results back so asynchronous backends finish.
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients } from '../engine/backprop';
import { measureStepPeak } from '../engine/backprop/measurePeak';
import type { TrainMode } from '../engine/model/network.types';
import type { Stack } from './stack';

export function timeForward(stack: Stack): number {
  const start = performance.now();
  const logits = stack.net.predict(stack.images);
  logits.dataSync();
  const elapsed = performance.now() - start;
  logits.dispose();
  return elapsed;
}

export function timeStep(stack: Stack, mode: TrainMode): number {
  const start = performance.now();
  const { loss, logits, grads } = computeGradients(stack.net, stack.images, stack.labels, mode);
  for (const grad of grads.values()) grad.dataSync();
  const elapsed = performance.now() - start;
  tf.dispose([loss, logits, ...grads.values()]);
  return elapsed;
}

export async function stepPeak(stack: Stack, mode: TrainMode): Promise<{ peakBytes: number; stepPeakBytes: number }> {
  const { peakBytes, stepPeakBytes } = await measureStepPeak(stack.net, stack.images, stack.labels, mode);
  return { peakBytes, stepPeakBytes };
}

export { median } from './args';
