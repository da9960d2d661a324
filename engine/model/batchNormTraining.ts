// BatchNorm in training mode as one differentiable op with a closed-form gradient, instead of autodiff
// through mean, centring, variance, rsqrt and scaling (about half the backward kernels and saved tensors).
// With x̂ = (x - μ)/σ over N, H, W (σ² biased, plus ε) and y = γ·x̂ + β:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = (γ/σ)·(dy - mean(dy) - x̂·mean(dy·x̂)).
// The batch statistics go to `onStats` (detached), for the one running-statistic update of a step.
import * as tf from '@tensorflow/tfjs-core';

export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const mean = tf.mean(input, [0, 1, 2]) as tf.Tensor1D;
    const centered = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]) as tf.Tensor1D;
    onStats?.(mean, variance);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const normalized = tf.mul(centered, invStd);
    save([normalized, invStd, scale]);
    return {
      value: tf.add(tf.mul(normalized, scale), shift),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(dy, [0, 1, 2]);
        const dGamma = tf.sum(tf.mul(dy, xHat), [0, 1, 2]);
        const count = dy.size / (dy.shape[3] as number);
        const dx = tf.mul(
          tf.mul(g, inv),
          tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xHat, tf.div(dGamma, count))),
        );
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
