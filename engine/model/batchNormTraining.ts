// BatchNorm in training mode (and the ReLU after it) as one differentiable op with a closed-form gradient,
// instead of autodiff through mean, centring, variance, rsqrt, scaling and the ReLU.
// With x̂ = (x - μ)/σ over N, H, W (σ² biased, plus ε), y = γ·x̂ + β and d = dy·relu'(y) (d = dy without it):
//   dβ = Σ d,  dγ = Σ d·x̂,  dx = (γ/σ)·(d - mean(d) - x̂·mean(d·x̂)).
// The batch statistics go to `onStats` (detached), for the one running-statistic update of a step.
// The steps that touch every value are batchNormOps: our kernels on wasm and cpu, TensorFlow.js ops elsewhere.
// Data-parallel workers (engine/parallel) hold a slice of the batch: a BatchStatsReducer is then active and
// each slice's statistics reach every slice, so that each normalises with the whole batch's: forward, every
// slice's count, mean and Σ(x-mean)² (one exchange; combined as Chan et al.'s parallel variance, which keeps
// the two-pass accuracy), backward, every slice's Σd and Σd·x̂. The parameter gradients dγ, dβ stay the
// slice's own: the caller sums them over the slices like every other gradient.
import * as tf from '@tensorflow/tfjs-core';
import { activeBatchStatsReducer, type BatchStatsReducer } from './batchStatsReducer';
import { batchNormOps, type BatchNormOps } from './batchNormOps';

interface BatchStatistics {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** values per channel over the whole batch */
  count: number;
}

function statisticsOfOneSlice(input: tf.Tensor4D, ops: BatchNormOps): BatchStatistics {
  return { ...ops.moments(input), count: input.size / input.shape[3] };
}

function statisticsOverSlices(input: tf.Tensor4D, ops: BatchNormOps, reducer: BatchStatsReducer): BatchStatistics {
  const channels = input.shape[3];
  const localCount = input.size / channels;
  const local = ops.moments(input);
  const mine = new Float32Array(2 * channels + 1);
  mine[0] = localCount;
  mine.set(local.mean.dataSync(), 1);
  mine.set(Float32Array.from(local.variance.dataSync(), (variance) => variance * localCount), 1 + channels);
  const slices = reducer.gather(mine);
  const count = slices.reduce((n, slice) => n + slice[0], 0);
  const mean = new Float64Array(channels);
  for (const slice of slices) for (let c = 0; c < channels; c++) mean[c] += (slice[0] * slice[1 + c]) / count;
  const squares = new Float64Array(channels);
  for (const slice of slices) {
    for (let c = 0; c < channels; c++) squares[c] += slice[1 + channels + c] + slice[0] * (slice[1 + c] - mean[c]) ** 2;
  }
  return { mean: tf.tensor1d(Float32Array.from(mean)), variance: tf.tensor1d(Float32Array.from(squares, (m2) => m2 / count)), count };
}

/** Σd and Σd·x̂ over the whole batch, from every slice's */
function sumsOverSlices(sumD: tf.Tensor1D, sumDXHat: tf.Tensor1D, reducer: BatchStatsReducer): [tf.Tensor1D, tf.Tensor1D] {
  const channels = sumD.size;
  const mine = new Float32Array(2 * channels);
  mine.set(sumD.dataSync());
  mine.set(sumDXHat.dataSync(), channels);
  const total = new Float64Array(2 * channels);
  for (const slice of reducer.gather(mine)) for (let i = 0; i < total.length; i++) total[i] += slice[i];
  return [tf.tensor1d(Float32Array.from(total.subarray(0, channels))), tf.tensor1d(Float32Array.from(total.subarray(channels)))];
}

/** BatchNorm with the batch's statistics, then a ReLU if `relu`: y = relu(γ·x̂ + β) */
export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => void,
  relu = false,
): tf.Tensor4D {
  const reducer = activeBatchStatsReducer();
  const ops = batchNormOps();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { mean, variance, count } = reducer === undefined ? statisticsOfOneSlice(input, ops) : statisticsOverSlices(input, ops, reducer);
    onStats?.(mean, variance, count);
    const invStd = tf.rsqrt(tf.add<tf.Tensor1D>(variance, epsilon));
    const { xHat, y } = ops.normalize(input, mean, invStd, scale, shift, relu);
    save([xHat, y, invStd, scale]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [normalized, output, inv, g] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const upstream = dy as tf.Tensor4D;
        // the parameters' gradients are this slice's own sums; the input's takes the whole batch's:
        // dx = a·d + b·x̂ + c with a = γ/σ, b = -a·mean(d·x̂), c = -a·mean(d)
        const { sumD: dBeta, sumDXHat: dGamma, dx } = ops.backward(upstream, output, normalized, relu, (localSumD, localSumDXHat) => {
          const [sumD, sumDXHat] = reducer === undefined ? [localSumD, localSumDXHat] : sumsOverSlices(localSumD, localSumDXHat, reducer);
          const a = tf.mul<tf.Tensor1D>(g, inv);
          return { a, b: tf.neg<tf.Tensor1D>(tf.mul<tf.Tensor1D>(a, tf.div(sumDXHat, count))), c: tf.neg<tf.Tensor1D>(tf.mul<tf.Tensor1D>(a, tf.div(sumD, count))) };
        });
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta);
}
