// Accuracy of a network on a split, BatchNorm in inference mode; touches no state.
import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from '../data/normalization';
import type { Split } from '../data/types';
import type { Network } from '../model/network.types';
import type { CancelSignal } from '../util/cancelSignal';
import { yieldToEventLoop } from '../util/yieldToEventLoop';
import { identityOrder, makeBatch, type ImageShape } from './batches';

/** logits of a batch in inference mode: the network's own predict, or the same over training threads */
export type Predictor = (images: tf.Tensor4D) => tf.Tensor2D | Promise<tf.Tensor2D>;

/** undefined when the cancel signal stopped it (checked, after a yield, before every batch) */
export async function evaluateAccuracy(
  network: Network,
  split: Split,
  shape: ImageShape,
  normalization: Normalization,
  cancel: CancelSignal,
  predict: Predictor = (images) => network.predict(images),
  batchSize = 250,
): Promise<number | undefined> {
  const order = identityOrder(split.count);
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    await yieldToEventLoop();
    if (cancel.cancelled) return undefined;
    const size = Math.min(batchSize, split.count - start);
    const batch = makeBatch(split, shape, normalization, order, start, size);
    const logits = await predict(batch.images);
    const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'int32')));
    logits.dispose();
    correct += (hits.dataSync() as Int32Array)[0];
    hits.dispose();
    batch.images.dispose();
    batch.labels.dispose();
  }
  return correct / split.count;
}
