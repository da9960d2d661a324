// Turns a split into normalised batch tensors, in the order the shuffle chose.
import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from '../data/normalization';
import type { Split } from '../data/types';
import type { SeededRandom } from '../util/random';
import { drawMove, type Augmentation } from './augment';

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Examples per step and steps per epoch; a split smaller than the batch gives one smaller batch; the remainder is dropped. */
export function batchPlan(count: number, batchSize: number): { batchSize: number; stepsPerEpoch: number } {
  const size = Math.min(batchSize, count);
  return { batchSize: size, stepsPerEpoch: Math.floor(count / size) };
}

/**
 * The images order[start..start+size) as a normalised NHWC batch with int32 labels; the caller disposes both.
 * With `augment`, each image is first moved as its draw says (engine/train/augment.ts), in batch order.
 */
export function makeBatch(
  split: Split,
  shape: ImageShape,
  normalization: Normalization,
  order: ArrayLike<number>,
  start: number,
  size: number,
  augment?: { augmentation: Augmentation; random: SeededRandom },
): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const { height, width, channels } = shape;
  const pixels = height * width * channels;
  const images = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const index = order[start + b];
    const source = index * pixels;
    const target = b * pixels;
    if (augment === undefined) {
      for (let p = 0; p < pixels; p++) {
        const c = p % channels;
        images[target + p] = (split.images[source + p] - normalization.mean[c]) / normalization.std[c];
      }
    } else {
      const move = drawMove(augment.augmentation, augment.random);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          // the moved image's pixel (y, x) is the shifted image's (y, x mirrored), which is the source's (y - dy, that - dx)
          const sy = y - move.dy;
          const sx = (move.flip ? width - 1 - x : x) - move.dx;
          const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          for (let c = 0; c < channels; c++) {
            const raw = inside ? split.images[source + (sy * width + sx) * channels + c] : 0;
            images[target + (y * width + x) * channels + c] = (raw - normalization.mean[c]) / normalization.std[c];
          }
        }
      }
    }
    labels[b] = split.labels[index];
  }
  return { images: tf.tensor4d(images, [size, height, width, channels]), labels: tf.tensor1d(labels, 'int32') };
}

export function identityOrder(count: number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}
