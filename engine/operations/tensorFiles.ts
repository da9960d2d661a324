// Reading a batch from a .npy file as a float32 NHWC tensor of an expected shape, and writing one back.
import * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from '../io/fileFormatError';
import { readNpy, writeNpy } from '../io/npy';

/** a [N,...expected] float32 tensor; a single example without the batch axis gets one */
/** `beforeAllocating` sees the batch size before the tensor is made (e.g. to check the memory limit) */
export function readBatch(path: string, expected: readonly number[], what: string, beforeAllocating?: (batch: number) => void): tf.Tensor4D {
  const array = readNpy(path);
  let shape = array.shape;
  if (shape.length === expected.length) shape = [1, ...shape];
  const matches = shape.length === expected.length + 1 && expected.every((d, i) => shape[i + 1] === d) && shape[0] > 0;
  if (!matches) {
    throw new FileFormatError(path, `has shape (${array.shape.join(', ')}); ${what} has shape (N, ${expected.join(', ')}) (NHWC)`);
  }
  beforeAllocating?.(shape[0]);
  const data =
    array.data instanceof Float32Array
      ? array.data
      : array.data instanceof BigInt64Array
        ? Float32Array.from(array.data, Number)
        : Float32Array.from(array.data);
  return tf.tensor4d(data, shape as [number, number, number, number]);
}

export async function writeTensor(path: string, tensor: tf.Tensor): Promise<number[]> {
  const data = (await tensor.data()) as Float32Array;
  await writeNpy(path, { shape: tensor.shape, data });
  return [...tensor.shape];
}

/** (x - mean) / std per channel (NHWC), or x itself when there is no normalisation */
export function normalize(x: tf.Tensor4D, normalization: { mean: number[]; std: number[] } | undefined): tf.Tensor4D {
  if (normalization === undefined) return tf.clone(x);
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(normalization.mean)), tf.tensor1d(normalization.std)));
}

/** x * std + mean per channel (NHWC), or x itself when there is no normalisation */
export function denormalize(x: tf.Tensor4D, normalization: { mean: number[]; std: number[] } | undefined): tf.Tensor4D {
  if (normalization === undefined) return tf.clone(x);
  return tf.tidy(() => tf.add(tf.mul(x, tf.tensor1d(normalization.std)), tf.tensor1d(normalization.mean)));
}
