// Space-to-depth 2x2 (NHWC) and its exact inverse, in two channel orders (config conventions.squeezeOrder):
//   space-to-depth (ours, TensorFlow's): output channel (dy*2 + dx)*C + c holds input pixel (2h+dy, 2w+dx, c);
//   pixel-unshuffle (PyTorch's F.pixel_unshuffle): output channel c*4 + dy*2 + dx holds it.
import * as tf from '@tensorflow/tfjs-core';
import type { SqueezeOrder } from './config';

// [n, h/2, dy, w/2, dx, c] -> [n, h/2, w/2, ...channel axes in order]
const FORWARD: Record<SqueezeOrder, number[]> = { 'space-to-depth': [0, 1, 3, 2, 4, 5], 'pixel-unshuffle': [0, 1, 3, 5, 2, 4] };
// the channel axes of the squeezed tensor as split by `unsqueeze`, back to [n, h, dy, w, dx, c]
const INVERSE: Record<SqueezeOrder, number[]> = { 'space-to-depth': [0, 1, 3, 2, 4, 5], 'pixel-unshuffle': [0, 1, 4, 2, 5, 3] };

export function squeeze(x: tf.Tensor4D, order: SqueezeOrder = 'space-to-depth'): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const split = tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]);
    return tf.reshape(tf.transpose(split, FORWARD[order]), [n, h / 2, w / 2, 4 * c]);
  });
}

export function unsqueeze(y: tf.Tensor4D, order: SqueezeOrder = 'space-to-depth'): tf.Tensor4D {
  const [n, h, w, c4] = y.shape;
  const c = c4 / 4;
  return tf.tidy(() => {
    // space-to-depth channels are (dy, dx, c); pixel-unshuffle channels are (c, dy, dx)
    const split = order === 'space-to-depth' ? tf.reshape(y, [n, h, w, 2, 2, c]) : tf.reshape(y, [n, h, w, c, 2, 2]);
    return tf.reshape(tf.transpose(split, INVERSE[order]), [n, 2 * h, 2 * w, c]);
  });
}
