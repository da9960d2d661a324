// The local Lipschitz constant of a map at a point: the largest singular value of its Jacobian J there, by
// power iteration on JᵀJ. Jᵀu is one vector-Jacobian product (tf.grad with a given dy). TensorFlow.js has no
// forward mode, so Jv comes either from a VJP of a VJP (Jv = ∂/∂u ⟨Jᵀu, v⟩, exact up to float32 rounding) or
// from a central finite difference (a cross-check; float32 makes it accurate to ~1e-3 at best).
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../util/random';
import { runToEnd, type Stepwise } from '../util/stepwise';

export type JvpMethod = 'double-vjp' | 'finite-difference';

export interface PowerIterationOptions {
  /** default 20 */
  maxIterations?: number;
  /** stop when the estimate changes by less than this, relatively (default 1e-3) */
  tolerance?: number;
  /** seed of the starting vector (default 0) */
  seed?: number;
  /** default "double-vjp" */
  jvp?: JvpMethod;
  /** start from this vector (e.g. the last estimate's, a warm start) instead of a seeded random one; not disposed */
  start?: tf.Tensor;
  /** return the last unit vector v as `vector` (the caller disposes it), for a later warm start */
  keepVector?: boolean;
  /** after every step, with its estimate and relative change (convergence studies) */
  onIteration?: (iteration: number, estimate: number, relativeChange: number) => void;
}

export interface LipschitzEstimate {
  /** ‖Jv‖ for the last unit v: a lower bound of the largest singular value that power iteration drives up to it */
  value: number;
  iterations: number;
  /** |σₖ − σₖ₋₁| / σₖ at the last iteration */
  lastRelativeChange: number;
  converged: boolean;
  /** with keepVector: the last v */
  vector?: tf.Tensor;
}

export type TensorMap = (x: tf.Tensor) => tf.Tensor;

/** Jᵀu at x */
export function vjp(fn: TensorMap, x: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return tf.grad(fn)(x, u);
}

/** Jv at x, as the gradient with respect to u of ⟨Jᵀu, v⟩ (linear in u, so u = 0 serves) */
export function jvpByDoubleVjp(fn: TensorMap, x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const outputShape = tf.tidy(() => fn(x).shape);
    const inner = (u: tf.Tensor): tf.Scalar => tf.sum(tf.mul(vjp(fn, x, u), v));
    return tf.grad(inner)(tf.zeros(outputShape));
  });
}

/** Jv at x, (f(x + hv) − f(x − hv)) / 2h with h a small fraction of ‖x‖ (v of unit norm) */
export function jvpByFiniteDifference(fn: TensorMap, x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const scale = Math.max(norm(x) / Math.sqrt(x.size), 1e-3);
    const h = 1e-2 * scale;
    const plus = fn(tf.add(x, tf.mul(v, h)));
    const minus = fn(tf.sub(x, tf.mul(v, h)));
    return tf.div(tf.sub(plus, minus), 2 * h);
  });
}

export function jvp(fn: TensorMap, x: tf.Tensor, v: tf.Tensor, method: JvpMethod): tf.Tensor {
  return method === 'double-vjp' ? jvpByDoubleVjp(fn, x, v) : jvpByFiniteDifference(fn, x, v);
}

/** ‖t‖₂, summed in float64 on the host */
export function norm(t: tf.Tensor): number {
  const data = t.dataSync();
  let sum = 0;
  for (const value of data) sum += value ** 2;
  return Math.sqrt(sum);
}

/** the largest singular value of fn's Jacobian at x; leaves tf.memory().numTensors as it found it */
export function largestSingularValue(fn: TensorMap, x: tf.Tensor, options: PowerIterationOptions = {}): LipschitzEstimate {
  return runToEnd(largestSingularValueSteps(fn, x, options));
}

/** largestSingularValue, yielding inside every power iteration, between its JVP and VJP (a cancel thrown there releases its vectors) */
export function* largestSingularValueSteps(fn: TensorMap, x: tf.Tensor, options: PowerIterationOptions = {}): Stepwise<LipschitzEstimate> {
  const maxIterations = options.maxIterations ?? 20;
  const tolerance = options.tolerance ?? 1e-3;
  const method = options.jvp ?? 'double-vjp';
  const random = new SeededRandom(options.seed ?? 0);
  const given = options.start?.size === x.size ? options.start : undefined;
  let v = tf.tidy(() => {
    const start = given !== undefined ? tf.reshape(given, x.shape) : tf.tensor(random.normalArray(x.size), x.shape, 'float32');
    const startNorm = norm(start);
    return startNorm > 0 ? tf.div(start, startNorm) : tf.div(tf.onesLike(start), Math.sqrt(x.size));
  });
  let sigma = 0;
  let change = Infinity;
  let iterations = 0;
  try {
    while (iterations < maxIterations) {
      iterations++;
      const jv = jvp(fn, x, v, method);
      const next = norm(jv);
      try {
        yield;
      } catch (error) {
        jv.dispose();
        throw error;
      }
      const w = tf.tidy(() => vjp(fn, x, jv));
      jv.dispose();
      const wNorm = norm(w);
      change = next === 0 ? 0 : Math.abs(next - sigma) / next;
      sigma = next;
      options.onIteration?.(iterations, sigma, change);
      if (wNorm === 0) {
        w.dispose();
        break;
      }
      const previous = v;
      v = tf.tidy(() => tf.div(w, wNorm));
      previous.dispose();
      w.dispose();
      if (change < tolerance) break;
      yield;
    }
  } catch (error) {
    v.dispose();
    throw error;
  }
  const estimate: LipschitzEstimate = { value: sigma, iterations, lastRelativeChange: change, converged: change < tolerance };
  if (options.keepVector === true) estimate.vector = v;
  else v.dispose();
  return estimate;
}
