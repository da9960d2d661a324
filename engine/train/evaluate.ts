// Accuracy of a network on a split, BatchNorm in inference mode; touches no state.
import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from '../data/normalization';
import type { Split } from '../data/types';
import type { Network } from '../model/network.types';
import { identityOrder, makeBatch, type ImageShape } from './batches';

export function evaluateAccuracy(network: Network, split: Split, shape: ImageShape, normalization: Normalization, batchSize = 250): number {
  const order = identityOrder(split.count);
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    const batch = makeBatch(split, shape, normalization, order, start, size);
    const hits = tf.tidy(() => {
      const logits = network.predict(batch.images);
      return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'int32'));
    });
    correct += (hits.dataSync() as Int32Array)[0];
    hits.dispose();
    batch.images.dispose();
    batch.labels.dispose();
  }
  return correct / split.count;
}
