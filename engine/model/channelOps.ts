// Per-channel reductions and scalings of NHWC tensors in the forms the wasm backend runs fast
// (bench/profile.ts): a sum over N, H, W is our ChannelSums kernel, else a [C, NHW] x [NHW, 1] matrix product
// (reducing the outer axes transposes the whole tensor first), and x·a + b per channel is one 1x1 depthwise convolution
// with a bias (broadcasting binary ops take a slow generic path there).
import * as tf from '@tensorflow/tfjs-core';
import { CHANNEL_SUMS } from '../backend/kernels/channelSums';

/** Σ over every axis but the last: [C] */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  // one kernel of our own where the backend has it (engine/backend/kernels/channelSums.ts), else a matrix product
  if ((tf.getKernel(CHANNEL_SUMS, tf.getBackend()) as tf.KernelConfig | undefined) !== undefined) return tf.engine().runKernel<tf.Tensor1D>(CHANNEL_SUMS, { x }, {});
  const channels = x.shape[x.rank - 1];
  const rows = tf.reshape(x, [x.size / channels, channels]);
  // rowsᵀ · 1 rather than 1ᵀ · rows: the wasm matMul packs its second operand, cheap for a column of ones
  return tf.reshape(tf.matMul(rows, tf.ones([rows.shape[0], 1]), true, false), [channels]);
}

function depthwiseAffine(x: tf.Tensor4D, scale: tf.Tensor, shift?: tf.Tensor): tf.Tensor4D {
  const filter = tf.reshape<tf.Rank.R4>(scale, [1, 1, x.shape[3], 1]);
  return tf.fused.depthwiseConv2d(shift === undefined ? { x, filter, strides: 1, pad: 'valid' } : { x, filter, strides: 1, pad: 'valid', bias: shift });
}

// Closed-form gradients, written with channelAffine itself: the wasm backend has no depthwise backprop kernel,
// and gradients of gradients (engine/stability's Jacobian-vector products) need the gradient to be differentiable.
const affineWithShift = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, scale, shift, save] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, scale]);
  return {
    value: depthwiseAffine(x, scale, shift),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, s] = saved as [tf.Tensor4D, tf.Tensor];
      return [channelAffine(dy as tf.Tensor4D, s), channelSum(tf.mul(dy, input)), channelSum(dy)];
    },
  };
});

const affineWithoutShift = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, scale, save] = args as [tf.Tensor4D, tf.Tensor, tf.GradSaveFunc];
  save([x, scale]);
  return {
    value: depthwiseAffine(x, scale),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, s] = saved as [tf.Tensor4D, tf.Tensor];
      return [channelAffine(dy as tf.Tensor4D, s), channelSum(tf.mul(dy, input))];
    },
  };
});

/** x·scale + shift per channel (scale, shift: [C]) */
export function channelAffine(x: tf.Tensor4D, scale: tf.Tensor, shift?: tf.Tensor): tf.Tensor4D {
  return (shift === undefined ? affineWithoutShift(x, scale) : affineWithShift(x, scale, shift));
}
