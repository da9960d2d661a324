// Reading a batch from a .npy file as a float32 NHWC tensor of an expected shape, and writing one back.
import * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from '../io/fileFormatError';
import { readNpy, writeNpy } from '../io/npy';
import { countNonFinite, toFloat32 } from '../io/typedArrays';

/**
 * a [N,...expected] float32 tensor; a single example without the batch axis gets one.
 * `beforeAllocating` sees the batch size before the tensor is made (e.g. to check the memory limit).
 * Non-finite values are refused unless `nonFinite.allow`; their count is left in `nonFinite.found`.
 * Integer arrays (uint8 pixels, ...) are refused unless `scale` is given: taken as float values they would be
 * 255 times too large and the model would still answer. `scale` multiplies every value, whatever the dtype.
 */
export function readBatch(
  path: string,
  expected: readonly number[],
  what: string,
  beforeAllocating?: (batch: number) => void,
  nonFinite: { allow: boolean; found?: number } = { allow: false },
  scale?: number,
): tf.Tensor4D {
  const batchOf = (declared: number[]): number => {
    const shape = declared.length === expected.length ? [1, ...declared] : declared;
    const matches = shape.length === expected.length + 1 && expected.every((d, i) => shape[i + 1] === d) && (shape[0]) > 0;
    if (!matches) throw new FileFormatError(path, `has shape (${declared.join(', ')}); ${what} has shape (N, ${expected.join(', ')}) (NHWC)`);
    return shape[0];
  };
  // from the header, before the file's data is read
  const array = readNpy(path, (declared) => beforeAllocating?.(batchOf(declared.shape)));
  const integer = array.dtype !== 'float32' && array.dtype !== 'float64';
  if (integer && scale === undefined) {
    throw new FileFormatError(
      path,
      `has dtype ${array.dtype} (integers, e.g. 0-255 pixels); ${what} is float32 in image space. ` +
        'Give --scale 1/255 to multiply every value (0-255 pixels to [0, 1]), or write float32 values',
    );
  }
  const shape = [batchOf(array.shape), ...expected];
  const found = countNonFinite(array.data);
  nonFinite.found = found.count;
  if (found.count > 0 && !nonFinite.allow) {
    throw new FileFormatError(
      path,
      `holds ${found.count} non-finite value${found.count === 1 ? '' : 's'} (NaN or ±Infinity; the first, ${String(array.data[found.firstIndex])}, at flat index ${found.firstIndex}); ` +
        'refused: fix the input, or allow it explicitly (--allow-non-finite)',
    );
  }
  const data = toFloat32(array.data);
  if (scale !== undefined && scale !== 1) {
    const scaled = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) scaled[i] = (data[i]) * scale;
    return tf.tensor4d(scaled, shape as [number, number, number, number]);
  }
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
