// The bi-directional finite-difference bi-Lipschitz regularizer (after Behrmann, Vicol, Wang, Grosse,
// Jacobsen, "Understanding and Mitigating Exploding Inverses in Invertible Neural Networks", AISTATS 2021):
// at the training points, penalize how much each reversible unit stretches a random small perturbation,
// forwards and backwards. For unit k with input x (its true input in this step's training-mode forward) and
// output y = f(x), with random perturbations δ, δ' (each example's of norm ε·‖xᵢ‖, both scaled by the input
// so that they do not move with the unit's own parameters):
//
//   p_k = ½ (‖f(x+δ) − f(x)‖² / ‖δ‖²  +  ‖f⁻¹(y+δ') − f⁻¹(y)‖² / ‖δ'‖²),      R = (1/K) Σ_k p_k
//
// (norms over the whole batch tensor; BatchNorm with batch statistics, as in the step). Squared stretches,
// so that R is a smooth finite-difference estimate of the mean squared Jacobian norm along random directions
// in both directions; since an inverse's stretch is at least the reciprocal of the forward's smallest one,
// the sum is smallest near an isometry and grows without bound when either direction explodes.
//
// The unit's input x is data (no gradient through it to earlier units): each unit is regularized locally, the
// way the reversible backward pass handles one unit at a time, so only one unit's tape is alive at once and
// the trunk's activations are never all stored. The gradient of p_k reaches unit k's own parameters by
// autodiff, through y = f(x) too.
import * as tf from '@tensorflow/tfjs-core';
import type { ReversibleStep } from '../model/architecture';
import { architectureOf, trainingContext } from '../model/network';
import type { ComputeGradients, Network, StepGradients } from '../model/network.types';
import { applyStep } from '../model/trunk';
import { reversibleForward, reversibleInverse } from '../model/units';
import { residualParamNames } from '../model/residual';
import { SeededRandom } from '../util/random';
import { disposeStep } from '../backprop';

/** the perturbation's size relative to each example's norm */
export const DEFAULT_REG_EPSILON = 1e-2;

export interface RegularizerOptions {
  /** relative size of the perturbations (default DEFAULT_REG_EPSILON) */
  epsilon?: number;
  /** seed of the perturbations: for unit after unit, the forward one then the inverse one */
  seed: number;
}

export interface UnitStretch {
  id: string;
  /** ‖f(x+δ) − f(x)‖² / ‖δ‖² */
  forward: number;
  /** ‖f⁻¹(y+δ') − f⁻¹(y)‖² / ‖δ'‖² */
  inverse: number;
}

export interface RegularizerResult {
  /** R, the mean over units of ½ (forward + inverse) */
  value: number;
  units: UnitStretch[];
  /** dR/dθ for every parameter of every reversible unit (only when asked); the caller disposes them */
  grads?: Map<string, tf.Tensor>;
}

/** a Gaussian direction per example scaled to ε·‖pointᵢ‖ (a zero example gets ε): δ and δ' of a unit, drawn in that order */
export function drawPerturbation(random: SeededRandom, point: ArrayLike<number>, shape: readonly number[], epsilon: number): Float32Array {
  const n = shape[0];
  const per = point.length / n;
  const direction = random.normalArray(point.length);
  for (let i = 0; i < n; i++) {
    let pointNorm = 0;
    let dirNorm = 0;
    for (let j = i * per; j < (i + 1) * per; j++) {
      pointNorm += point[j] ** 2;
      dirNorm += direction[j] ** 2;
    }
    const scale = (epsilon * (pointNorm > 0 ? Math.sqrt(pointNorm) : 1)) / Math.sqrt(dirNorm);
    for (let j = i * per; j < (i + 1) * per; j++) direction[j] *= scale;
  }
  return direction;
}

/** ‖a − b‖² / ‖d‖² as a scalar tensor */
function squaredStretch(a: tf.Tensor, b: tf.Tensor, dSquaredNorm: number): tf.Scalar {
  return tf.div(tf.sum(tf.square(tf.sub(a, b))), dSquaredNorm);
}

function squaredNorm(data: Float32Array): number {
  let sum = 0;
  for (const value of data) sum += value * value;
  return sum;
}

/**
 * R on this batch, and with `withGradients` dR/dθ. Leaves the weights, the running statistics and
 * tf.memory().numTensors (besides the returned gradients) as it found them.
 */
export function stabilityRegularizer(net: Network, images: tf.Tensor4D, options: RegularizerOptions, withGradients: boolean): RegularizerResult {
  const epsilon = options.epsilon ?? DEFAULT_REG_EPSILON;
  const random = new SeededRandom(options.seed);
  const ctx = trainingContext(net);
  const steps = architectureOf(net).steps;
  const units: UnitStretch[] = [];
  const grads = new Map<string, tf.Tensor>();
  let x: tf.Tensor4D = images;
  try {
    for (const step of steps) {
      const y = applyStep(ctx, step, x);
      if (step.kind === 'reversible') {
        const stretch = unitStretch(net, step, x, random, epsilon, withGradients ? grads : undefined);
        units.push(stretch);
      }
      if (x !== images) x.dispose();
      x = y;
    }
  } catch (error) {
    for (const g of grads.values()) g.dispose();
    throw error;
  } finally {
    if (x !== images) x.dispose();
  }
  const count = units.length;
  const value = count === 0 ? 0 : units.reduce((s, u) => s + (u.forward + u.inverse) / 2, 0) / count;
  if (!withGradients) return { value, units };
  // each unit's p_k enters R with weight 1/K
  for (const [name, g] of grads) {
    grads.set(name, tf.tidy(() => tf.div(g, count)));
    g.dispose();
  }
  return { value, units, grads };
}

function unitStretch(
  net: Network,
  step: ReversibleStep,
  x: tf.Tensor4D,
  random: SeededRandom,
  epsilon: number,
  grads: Map<string, tf.Tensor> | undefined,
): UnitStretch {
  const ctx = trainingContext(net);
  const xData = x.dataSync() as Float32Array;
  const deltaF = drawPerturbation(random, xData, x.shape, epsilon);
  const deltaI = drawPerturbation(random, xData, x.shape, epsilon);
  const nF = squaredNorm(deltaF);
  const nI = squaredNorm(deltaI);
  const stretches = (): [tf.Scalar, tf.Scalar] => {
    const y = reversibleForward(ctx, step, x);
    const forward = squaredStretch(reversibleForward(ctx, step, tf.add(x, tf.tensor(deltaF, x.shape))), y, nF);
    const inverse = squaredStretch(reversibleInverse(ctx, step, tf.add(y, tf.tensor(deltaI, y.shape))), reversibleInverse(ctx, step, y), nI);
    return [forward, inverse];
  };
  if (grads === undefined) {
    const [forward, inverse] = tf.tidy(() => stretches()).map((t) => {
      const value = (t.dataSync() as Float32Array)[0];
      t.dispose();
      return value;
    });
    return { id: step.id, forward, inverse };
  }
  const names = [...residualParamNames(step.f), ...residualParamNames(step.g)];
  const variables = names.map((name) => {
    const v = net.weights.params.get(name);
    if (v === undefined) throw new Error(`the network has no parameter "${name}"`);
    return v;
  });
  let forward = 0;
  let inverse = 0;
  const pass = tf.variableGrads(() => {
    const [f, i] = stretches();
    forward = (f.dataSync() as Float32Array)[0];
    inverse = (i.dataSync() as Float32Array)[0];
    return tf.mul(tf.add(f, i), 0.5);
  }, variables);
  pass.value.dispose();
  names.forEach((name, k) => {
    const g = pass.grads[variables[k].name] as tf.Tensor | undefined;
    if (g === undefined) throw new Error(`the regularizer produced no gradient for ${name}`);
    grads.set(name, g);
  });
  return { id: step.id, forward, inverse };
}

/**
 * A training step's gradients with λ·dR/dθ added: the main loss keeps its own backward pass (reversible or
 * standard), the regularizer's gradient comes from autodiff on R alone. The loss reported stays the
 * classification loss. `seedOf(call)` gives each step its own perturbations.
 */
/** adds λ·∇R to one step's gradients, R measured on the same batch in this thread (the step's gradients are taken over) */
export function addStabilityRegularizer(step: StepGradients, network: Network, images: tf.Tensor4D, lambda: number, seed: number, epsilon = DEFAULT_REG_EPSILON): StepGradients {
  let reg: RegularizerResult;
  try {
    reg = stabilityRegularizer(network, images, { epsilon, seed }, true);
  } catch (error) {
    disposeStep(step);
    throw error;
  }
  for (const [name, g] of reg.grads ?? []) {
    const main = step.grads.get(name);
    if (main === undefined) {
      g.dispose();
      continue;
    }
    step.grads.set(name, tf.tidy(() => tf.add(main, tf.mul(g, lambda))));
    main.dispose();
    g.dispose();
  }
  return step;
}

export function withStabilityRegularizer(
  base: ComputeGradients,
  lambda: number,
  seedOf: (call: number) => number,
  epsilon = DEFAULT_REG_EPSILON,
): ComputeGradients {
  let call = 0;
  return (network, images, labels, mode) => addStabilityRegularizer(base(network, images, labels, mode), network, images, lambda, seedOf(call++), epsilon);
}
