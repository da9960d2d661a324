// BatchNorm in training mode as one differentiable op with a closed-form gradient, instead of autodiff
// through mean, centring, variance, rsqrt and scaling (about half the backward kernels and saved tensors).
// With x̂ = (x - μ)/σ over N, H, W (σ² biased, plus ε) and y = γ·x̂ + β:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = (γ/σ)·(dy - mean(dy) - x̂·mean(dy·x̂)).
// The batch statistics go to `onStats` (detached), for the one running-statistic update of a step.
// Sums and per-channel scalings go through channelOps (fast on wasm).
// Data-parallel workers (engine/parallel) hold a slice of the batch: a BatchStatsReducer is then active and
// each slice's statistics reach every slice, so that each normalises with the whole batch's: forward, every
// slice's count, mean and Σ(x-mean)² (one exchange; combined as Chan et al.'s parallel variance, which keeps
// the two-pass accuracy), backward, every slice's Σdy and Σdy·x̂. The parameter gradients dγ, dβ stay the
// slice's own: the caller sums them over the slices like every other gradient.
import * as tf from '@tensorflow/tfjs-core';
import { activeBatchStatsReducer, type BatchStatsReducer } from './batchStatsReducer';
import { channelAffine, channelSum } from './channelOps';

interface Normalized {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** values per channel over the whole batch */
  count: number;
  /** (x - mean)/sqrt(variance + epsilon) */
  normalized: tf.Tensor4D;
  invStd: tf.Tensor1D;
}

function normalizeOneSlice(input: tf.Tensor4D, epsilon: number): Normalized {
  const count = input.size / input.shape[3];
  const mean = tf.div<tf.Tensor1D>(channelSum(input), count);
  const centered = channelAffine(input, tf.onesLike(mean), tf.neg(mean));
  const variance = tf.div<tf.Tensor1D>(channelSum(tf.square(centered)), count);
  const invStd = tf.rsqrt(tf.add<tf.Tensor1D>(variance, epsilon));
  return { mean, variance, count, normalized: channelAffine(centered, invStd), invStd };
}

function normalizeOverSlices(input: tf.Tensor4D, epsilon: number, reducer: BatchStatsReducer): Normalized {
  const channels = input.shape[3];
  const localCount = input.size / channels;
  const localMean = tf.div<tf.Tensor1D>(channelSum(input), localCount);
  const localSquares = channelSum(tf.square(channelAffine(input, tf.onesLike(localMean), tf.neg(localMean))));
  const mine = new Float32Array(2 * channels + 1);
  mine[0] = localCount;
  mine.set(localMean.dataSync(), 1);
  mine.set(localSquares.dataSync(), 1 + channels);
  const slices = reducer.gather(mine);
  const count = slices.reduce((n, slice) => n + slice[0], 0);
  const mean = new Float64Array(channels);
  for (const slice of slices) for (let c = 0; c < channels; c++) mean[c] += (slice[0] * slice[1 + c]) / count;
  const squares = new Float64Array(channels);
  for (const slice of slices) {
    for (let c = 0; c < channels; c++) squares[c] += slice[1 + channels + c] + slice[0] * (slice[1 + c] - mean[c]) ** 2;
  }
  const meanTensor = tf.tensor1d(Float32Array.from(mean));
  const variance = tf.tensor1d(Float32Array.from(squares, (m2) => m2 / count));
  const invStd = tf.rsqrt(tf.add<tf.Tensor1D>(variance, epsilon));
  const normalized = channelAffine(input, invStd, tf.neg(tf.mul(meanTensor, invStd)));
  return { mean: meanTensor, variance, count, normalized, invStd };
}

/** Σdy and Σdy·x̂ over the whole batch, from every slice's */
function sumsOverSlices(dBeta: tf.Tensor1D, dGamma: tf.Tensor1D, reducer: BatchStatsReducer): [tf.Tensor1D, tf.Tensor1D] {
  const channels = dBeta.size;
  const mine = new Float32Array(2 * channels);
  mine.set(dBeta.dataSync());
  mine.set(dGamma.dataSync(), channels);
  const total = new Float64Array(2 * channels);
  for (const slice of reducer.gather(mine)) for (let i = 0; i < total.length; i++) total[i] += slice[i];
  return [tf.tensor1d(Float32Array.from(total.subarray(0, channels))), tf.tensor1d(Float32Array.from(total.subarray(channels)))];
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
    const { mean, variance, count, normalized, invStd } = reducer === undefined ? normalizeOneSlice(input, epsilon) : normalizeOverSlices(input, epsilon, reducer);
    onStats?.(mean, variance, count);
    save([normalized, invStd, scale]);
    return {
      value: channelAffine(normalized, scale, shift),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, inv, g] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor];
        const dBeta = channelSum(dy);
        const dGamma = channelSum(tf.mul(dy, xHat));
        const [sumDy, sumDyXHat] = reducer === undefined ? [dBeta, dGamma] : sumsOverSlices(dBeta, dGamma, reducer);
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
