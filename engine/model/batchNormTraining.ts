// BatchNorm in training mode as one differentiable op with a closed-form gradient, instead of autodiff
// through mean, centring, variance, rsqrt and scaling (about half the backward kernels and saved tensors).
// With x̂ = (x - μ)/σ over N, H, W (σ² biased, plus ε) and y = γ·x̂ + β:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = (γ/σ)·(dy - mean(dy) - x̂·mean(dy·x̂)).
// The batch statistics go to `onStats` (detached), for the one running-statistic update of a step.
// Sums and per-channel scalings go through channelOps (fast on wasm).
import * as tf from '@tensorflow/tfjs-core';
import { channelAffine, channelSum } from './channelOps';

export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => void,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const count = input.size / (input.shape[3]);
    const mean = tf.div<tf.Tensor1D>(channelSum(input), count);
    const centered = channelAffine(input, tf.onesLike(mean), tf.neg(mean));
    const variance = tf.div<tf.Tensor1D>(channelSum(tf.square(centered)), count);
    onStats?.(mean, variance, count);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const normalized = channelAffine(centered, invStd);
    save([normalized, invStd, scale]);
    return {
      value: channelAffine(normalized, scale, shift),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, inv, g] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor];
        const dBeta = channelSum(dy);
        const dGamma = channelSum(tf.mul(dy, xHat));
        // dx = a·dy + b·x̂ + c with a = γ/σ, b = -a·mean(dy·x̂), c = -a·mean(dy)
        const a = tf.mul(g, inv);
        const b = tf.neg(tf.mul(a, tf.div(dGamma, count)));
        const c = tf.neg(tf.mul(a, tf.div(dBeta, count)));
        const dx = tf.add(channelAffine(dy as tf.Tensor4D, a, c), channelAffine(xHat, b));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta);
}
