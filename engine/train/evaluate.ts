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
import { identityOrder, makeBatch, type ImageShape } from './batches';

class EvaluationStopped extends Error {}

/**
 * undefined when the cancel signal stopped it. A batch's forward pass yields to the event loop after every step
 * of the trunk (a whole batch through a deep network is seconds on one thread), and the cancel is checked there.
 */
export async function evaluateAccuracy(
  network: Network,
  split: Split,
  shape: ImageShape,
  normalization: Normalization,
  cancel: CancelSignal,
  // small enough that one trunk step of a batch is a short piece of work (the event loop runs between steps)
  batchSize = 64,
): Promise<number | undefined> {
  const order = identityOrder(split.count);
  const steps = architectureOf(network).steps;
  const ctx = inferenceContext(network);
  const pause = async () => {
    await yieldToEventLoop();
    if (cancel.cancelled) throw new EvaluationStopped();
  };
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    await yieldToEventLoop();
    if (cancel.cancelled) return undefined;
    const size = Math.min(batchSize, split.count - start);
    const batch = makeBatch(split, shape, normalization, order, start, size);
    try {
      const features = await runStepsYielding(ctx, steps, 0, steps.length - 1, batch.images, pause);
      const hits = tf.tidy(() => {
        const logits = head(ctx, architectureOf(network).head, features);
        return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'int32'));
      });
      features.dispose();
      correct += (hits.dataSync() as Int32Array)[0];
      hits.dispose();
    } catch (error) {
      if (error instanceof EvaluationStopped) return undefined;
      throw error;
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  return correct / split.count;
}
