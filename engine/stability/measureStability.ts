// The stability report of a network at a batch: per reversible unit its forward and inverse Lipschitz
// constants, one-block and chain errors (measured and predicted), optionally in float64, and on every
// out-of-distribution probe; per invertible stage and for the whole trunk, their Lipschitz constants.
// Leaves tf.memory().numTensors where it found it.
import * as tf from '@tensorflow/tfjs-core';
import type { BlockStability, PartStability, ProbeName, ReconstructionErrors, StabilityReport } from '../../protocol/stabilityReport';
import type { TrunkStep } from '../model/architecture';
import type { Network } from '../model/network.types';
import { runSteps, stageOf } from '../model/trunk';
import { reversibleForward, reversibleInverse } from '../model/units';
import { ForwardActivations, inverseOf, isInvertible, measureBlockErrorsSteps, predictChainErrors, type BlockErrors } from './blockErrors';
import { float64Errors } from './float64Chain';
import { largestSingularValueSteps, type JvpMethod, type LipschitzEstimate, type PowerIterationOptions } from './lipschitz';
import { runToEnd, runWithPauses, type Stepwise } from '../util/stepwise';
import { makeProbe, PROBE_DESCRIPTIONS, PROBE_NAMES } from './probes';

export const DEFAULT_STABILITY_BATCH = 8;
/**
 * power-iteration cap: on revnet-38 (fresh, seed 0) the units' estimates reach the 1e-3 tolerance after 19-48
 * steps, 27 typically (bench/lipschitzConvergence.ts; at 20 they were still 1-4% low); most stop early on smaller models
 */
export const DEFAULT_MAX_ITERATIONS = 50;

export interface StabilityOptions {
  /** examples used, the first ones of the batch (default 8) */
  batchSize?: number;
  maxIterations?: number;
  tolerance?: number;
  jvp?: JvpMethod;
  /** also rebuild every unit's input in float64 plain loops */
  float64?: boolean;
  /** reconstruction on the out-of-distribution probes (default true) */
  probes?: boolean;
  /** Lipschitz constants of invertible stages and of the trunk (default true) */
  parts?: boolean;
  seed?: number;
  /** called between units; throws to stop */
  checkCancelled?: () => void;
}

function relative(errors: BlockErrors): ReconstructionErrors {
  const norm = errors.inputNorm === 0 ? 1 : errors.inputNorm;
  return { oneBlockRelL2: errors.oneBlock / norm, chainRelL2: errors.chain / norm };
}

/** the parts made only of invertible steps: every such stage, and the trunk when all of it inverts */
function invertibleParts(steps: readonly TrunkStep[]): { id: string; first: number; last: number }[] {
  const parts: { id: string; first: number; last: number }[] = [];
  const stages = new Map<number, number[]>();
  steps.forEach((step, i) => {
    const s = stageOf(step);
    if (s > 0) stages.set(s, [...(stages.get(s) ?? []), i]);
  });
  for (const [s, indices] of stages) {
    const first = indices[0];
    const last = indices[indices.length - 1];
    const all = indices.every((i) => isInvertible(steps[i]));
    if (all && indices.filter((i) => (steps[i]).kind === 'reversible').length > 1) parts.push({ id: `stage${s}`, first, last });
  }
  if (steps.every(isInvertible)) parts.push({ id: 'trunk', first: 0, last: steps.length - 1 });
  return parts;
}

function conditionNumber(forward: LipschitzEstimate, inverse: LipschitzEstimate): number {
  return forward.value * inverse.value;
}

export function measureStability(network: Network, images: tf.Tensor4D, mode: 'training' | 'inference', options: StabilityOptions = {}): StabilityReport {
  return runToEnd(measureStabilitySteps(network, images, mode, options));
}

/**
 * measureStability with `pause()` awaited between its pieces of work: every trunk step of a forward pass, every
 * step of a chain, every power iteration (a pause that throws, a cancel, ends it and frees its tensors)
 */
export async function measureStabilityYielding(
  network: Network,
  images: tf.Tensor4D,
  mode: 'training' | 'inference',
  options: StabilityOptions,
  pause: () => Promise<void>,
): Promise<StabilityReport> {
  return runWithPauses(measureStabilitySteps(network, images, mode, options), pause);
}

function* measureStabilitySteps(network: Network, images: tf.Tensor4D, mode: 'training' | 'inference', options: StabilityOptions): Stepwise<StabilityReport> {
  const started = performance.now();
  const batchSize = Math.min(options.batchSize ?? DEFAULT_STABILITY_BATCH, images.shape[0]);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`stability batch size must be a positive integer, got ${options.batchSize}`);
  const power: PowerIterationOptions = { maxIterations: options.maxIterations ?? DEFAULT_MAX_ITERATIONS, tolerance: options.tolerance ?? 1e-3, jvp: options.jvp ?? 'double-vjp', seed: options.seed ?? 0 };
  const check = options.checkCancelled ?? (() => undefined);
  const batch = tf.slice(images, 0, batchSize);
  let activations: ForwardActivations;
  try {
    activations = yield* ForwardActivations.build(network, batch, mode === 'training');
  } catch (error) {
    batch.dispose();
    throw error;
  }
  try {
    const { steps, ctx } = activations;
    const errors = yield* measureBlockErrorsSteps(activations);
    const lipschitz = new Map<string, { forward: LipschitzEstimate; inverse: LipschitzEstimate }>();
    for (const e of errors) {
      check();
      const step = steps[e.index] as Extract<TrunkStep, { kind: 'reversible' }>;
      const forward = yield* largestSingularValueSteps((x) => reversibleForward(ctx, step, x as tf.Tensor4D), activations.inputOf(e.index), power);
      const inverse = yield* largestSingularValueSteps((y) => reversibleInverse(ctx, step, y as tf.Tensor4D), activations.outputOf(e.index), power);
      lipschitz.set(e.id, { forward, inverse });
    }
    const predicted = predictChainErrors(steps, errors, new Map([...lipschitz].map(([id, l]) => [id, l.inverse.value])));

    const float64 = options.float64 === true ? float64Errors(activations) : undefined;

    const probeNames = options.probes === false ? [] : PROBE_NAMES;
    const probeErrors = new Map<ProbeName, Map<string, ReconstructionErrors>>();
    const host = batch.dataSync() as Float32Array;
    for (const name of probeNames) {
      check();
      const probe = tf.tensor4d(makeProbe(name, host, batch.shape, (options.seed ?? 0) + 1), batch.shape);
      let probeActivations: ForwardActivations | undefined;
      try {
        probeActivations = yield* ForwardActivations.build(network, probe, mode === 'training');
        probeErrors.set(name, new Map((yield* measureBlockErrorsSteps(probeActivations)).map((e) => [e.id, relative(e)])));
      } finally {
        probeActivations?.dispose();
        probe.dispose();
      }
    }

    const blocks: BlockStability[] = errors.map((e) => {
      const l = lipschitz.get(e.id) as { forward: LipschitzEstimate; inverse: LipschitzEstimate };
      const block: BlockStability = {
        id: e.id,
        forwardLipschitz: l.forward,
        inverseLipschitz: l.inverse,
        conditionNumber: conditionNumber(l.forward, l.inverse),
        inputNorm: e.inputNorm,
        errors: relative(e),
        predictedChainRelL2: (predicted.get(e.id) ?? 0) / (e.inputNorm === 0 ? 1 : e.inputNorm),
        probes: Object.fromEntries(probeNames.map((name) => [name, probeErrors.get(name)?.get(e.id) as ReconstructionErrors])),
      };
      const reference = float64?.get(e.id);
      if (reference !== undefined) block.float64 = reference;
      return block;
    });

    const parts: PartStability[] = [];
    if (options.parts !== false) {
      for (const part of invertibleParts(steps)) {
        check();
        const forwardMap = (x: tf.Tensor): tf.Tensor => runSteps(ctx, steps, part.first, part.last, x as tf.Tensor4D);
        const inverseMap = (y: tf.Tensor): tf.Tensor =>
          tf.tidy(() => {
            let h = y as tf.Tensor4D;
            for (let i = part.last; i >= part.first; i--) h = inverseOf(ctx, steps[i], h);
            return h;
          });
        const forward = yield* largestSingularValueSteps(forwardMap, activations.inputOf(part.first), power);
        const inverse = yield* largestSingularValueSteps(inverseMap, activations.outputOf(part.last), power);
        parts.push({ id: part.id, forwardLipschitz: forward, inverseLipschitz: inverse, conditionNumber: conditionNumber(forward, inverse) });
      }
    }

    return {
      mode,
      batchSize,
      jvp: power.jvp ?? 'double-vjp',
      maxIterations: power.maxIterations ?? DEFAULT_MAX_ITERATIONS,
      tolerance: power.tolerance ?? 1e-3,
      probes: probeNames.map((name) => ({ name, description: PROBE_DESCRIPTIONS[name] })),
      blocks,
      parts,
      elapsedMs: performance.now() - started,
    };
  } finally {
    activations.dispose();
    batch.dispose();
  }
}
