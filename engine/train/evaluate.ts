// Accuracy of a network on a split, BatchNorm in inference mode; touches no state.
import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from '../data/normalization';
import type { Split } from '../data/types';
import { head } from '../model/head';
import { architectureOf, inferenceContext } from '../model/network';
import type { Network } from '../model/network.types';
import { runStepsYielding } from '../model/trunk';
import type { CancelSignal } from '../util/cancelSignal';
import { yieldToEventLoop } from '../util/yieldToEventLoop';
import { OperationCancelled, stopPoint } from '../operations/stopPoint';
import { identityOrder, makeBatch, type ImageShape } from './batches';

/** logits of a batch in inference mode computed elsewhere (the training threads); this thread stays free meanwhile */
export type Predictor = (images: tf.Tensor4D) => Promise<tf.Tensor2D>;

/**
 * undefined when the cancel signal stopped it. In this thread, a batch's forward pass yields to the event loop
 * after every step of the trunk (a whole batch through a deep network is seconds on one thread), and the cancel is
 * checked there; with a predictor, the cancel is checked between batches, and this thread waits idle in between.
 */
export async function evaluateAccuracy(
  network: Network,
  split: Split,
  shape: ImageShape,
  normalization: Normalization,
  cancel: CancelSignal,
  options: { predict?: Predictor; batchSize?: number } = {},
): Promise<number | undefined> {
  const { predict } = options;
  // in this thread, small enough that one trunk step of a batch is a short piece of work
  const batchSize = options.batchSize ?? (predict === undefined ? 64 : 256);
  const order = identityOrder(split.count);
  const steps = architectureOf(network).steps;
  const ctx = inferenceContext(network);
  const pause = () => stopPoint(cancel, 'evaluation');
  const logitsOf = async (images: tf.Tensor4D): Promise<tf.Tensor2D> => {
    if (predict !== undefined) return predict(images);
    const features = await runStepsYielding(ctx, steps, 0, steps.length - 1, images, pause);
    try {
      return head(ctx, architectureOf(network).head, features);
    } finally {
      features.dispose();
    }
  };
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    await yieldToEventLoop();
    if (cancel.cancelled) return undefined;
    const size = Math.min(batchSize, split.count - start);
    const batch = makeBatch(split, shape, normalization, order, start, size);
    try {
      const logits = await logitsOf(batch.images);
      const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'int32')));
      logits.dispose();
      correct += (hits.dataSync() as Int32Array)[0];
      hits.dispose();
    } catch (error) {
      if (error instanceof OperationCancelled) return undefined;
      throw error;
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  return correct / split.count;
}
