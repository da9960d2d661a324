// BatchNorm in training mode as one differentiable op with a closed-form gradient, instead of autodiff
// through mean, centring, variance, rsqrt and scaling (about half the backward kernels and saved tensors).
// With x̂ = (x - μ)/σ over N, H, W (σ² biased, plus ε) and y = γ·x̂ + β:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = (γ/σ)·(dy - mean(dy) - x̂·mean(dy·x̂)).
// The batch statistics go to `onStats` (detached), for the one running-statistic update of a step.
// Sums and per-channel scalings go through channelOps (fast on wasm).
// Data-parallel workers (engine/parallel) hold a slice of the batch: a BatchStatsReducer is then active and
// every per-channel sum above (Σx with the count, Σ(x-μ)², and Σdy, Σdy·x̂ in the backward pass) is summed
// over the slices before use, so each slice normalises with the whole batch's statistics. The parameter
// gradients dγ, dβ stay the slice's own: the caller sums them over the slices like every other gradient.
import * as tf from '@tensorflow/tfjs-core';
import { activeBatchStatsReducer, type BatchStatsReducer } from './batchStatsReducer';
import { channelAffine, channelSum } from './channelOps';

/** the per-channel vector summed over every slice of the batch */
function overSlices(reducer: BatchStatsReducer, local: tf.Tensor1D): tf.Tensor1D {
  return tf.tensor1d(reducer.sum(local.dataSync() as Float32Array));
}

/** μ and the value count per channel: this slice's, or the whole batch's when a reducer is active */
function batchMean(input: tf.Tensor4D, reducer: BatchStatsReducer | undefined): { mean: tf.Tensor1D; count: number } {
  const channels = input.shape[3];
  const localCount = input.size / channels;
  if (reducer === undefined) return { mean: tf.div<tf.Tensor1D>(channelSum(input), localCount), count: localCount };
  // the count travels with the sums: slices may differ in size (a batch of 8 over 3 workers)
  const local = new Float32Array(channels + 1);
  local.set(channelSum(input).dataSync());
  local[channels] = localCount;
  const total = reducer.sum(local);
  const count = total[channels];
  return { mean: tf.div<tf.Tensor1D>(tf.tensor1d(total.subarray(0, channels)), count), count };
}

export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => void,
): tf.Tensor4D {
  const reducer = activeBatchStatsReducer();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { mean, count } = batchMean(input, reducer);
    const centered = channelAffine(input, tf.onesLike(mean), tf.neg(mean));
    const squares = channelSum(tf.square(centered));
    const variance = tf.div<tf.Tensor1D>(reducer === undefined ? squares : overSlices(reducer, squares), count);
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
        let [sumDy, sumDyXHat] = [dBeta, dGamma];
        if (reducer !== undefined) {
          const channels = xHat.shape[3];
          const local = new Float32Array(2 * channels);
          local.set(dBeta.dataSync());
          local.set(dGamma.dataSync(), channels);
          const total = reducer.sum(local);
          [sumDy, sumDyXHat] = [tf.tensor1d(total.subarray(0, channels)), tf.tensor1d(total.subarray(channels))];
        }
        // dx = a·dy + b·x̂ + c with a = γ/σ, b = -a·mean(dy·x̂), c = -a·mean(dy)
        const a = tf.mul(g, inv);
        const b = tf.neg(tf.mul(a, tf.div(sumDyXHat, count)));
        const c = tf.neg(tf.mul(a, tf.div(sumDy, count)));
        const dx = tf.add(channelAffine(dy as tf.Tensor4D, a, c), channelAffine(xHat, b));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta);
}
