// Space-to-depth 2x2 (NHWC) and its exact inverse: output channel (dy*2 + dx)*C + c holds
// input pixel (2h+dy, 2w+dx, c).
import * as tf from '@tensorflow/tfjs-core';

export function squeeze(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const split = tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]);
    return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [n, h / 2, w / 2, 4 * c]);
  });
}

export function unsqueeze(y: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c4] = y.shape;
  const c = c4 / 4;
  return tf.tidy(() => {
    const split = tf.reshape(y, [n, h, w, 2, 2, c]);
    return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [n, 2 * h, 2 * w, c]);
  });
}
