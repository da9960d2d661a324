// One-block and chain reconstruction errors of every reversible unit, as absolute L2 norms (the norm the
// Lipschitz constants bound), on any batch: the inspected data or an out-of-distribution probe.
// The chain rebuilds a unit's input from the output of its invertible segment (the run of squeezes and
// reversible units it sits in), as the reversible backward pass does; a segment ends at the trunk's end or
// before a step that is not invertible (the conv stem, a transition), where the backward pass restarts
// from a stored input.
import * as tf from '@tensorflow/tfjs-core';
import type { ReversibleStep, TrunkStep } from '../model/architecture';
import { forwardTrunk } from '../model/forward';
import { architectureOf, inferenceContext, trainingContext } from '../model/network';
import type { Network } from '../model/network.types';
import type { RunContext } from '../model/runContext';
import { unsqueeze } from '../model/squeeze';
import { applyStep } from '../model/trunk';
import { reversibleInverse } from '../model/units';
import { runToEnd, type Stepwise } from '../util/stepwise';

export function isInvertible(step: TrunkStep): boolean {
  return step.kind === 'squeeze' || step.kind === 'reversible';
}

/** [first, last] step indices of every maximal run of invertible steps */
export function invertibleSegments(steps: readonly TrunkStep[]): [number, number][] {
  const segments: [number, number][] = [];
  let start = -1;
  steps.forEach((step, i) => {
    if (isInvertible(step)) {
      if (start < 0) start = i;
      const next = steps.at(i + 1);
      if (next === undefined || !isInvertible(next)) segments.push([start, i]);
    } else start = -1;
  });
  return segments;
}

/** the activations of one forward pass: every step's input and output; dispose() frees them */
export class ForwardActivations {
  readonly steps: readonly TrunkStep[];
  readonly ctx: RunContext;
  private readonly outputs: Map<string, tf.Tensor4D>;

  constructor(
    readonly network: Network,
    readonly images: tf.Tensor4D,
    readonly training: boolean,
    /** every step's output by step id, already made (build); otherwise made here in one pass */
    outputs?: Map<string, tf.Tensor4D>,
  ) {
    this.steps = architectureOf(network).steps;
    this.ctx = training ? trainingContext(network) : inferenceContext(network);
    this.outputs = outputs ?? (forwardTrunk(network, images, { keepBlockOutputs: true, training }).blockOutputs as Map<string, tf.Tensor4D>);
  }

  /** the same activations, made one trunk step at a time (a cancel thrown at a yield frees those made so far) */
  static *build(network: Network, images: tf.Tensor4D, training: boolean): Stepwise<ForwardActivations> {
    const ctx = training ? trainingContext(network) : inferenceContext(network);
    const outputs = new Map<string, tf.Tensor4D>();
    try {
      let h = images;
      for (const step of architectureOf(network).steps) {
        h = applyStep(ctx, step, h);
        outputs.set(step.id, h);
        yield;
      }
    } catch (error) {
      tf.dispose([...outputs.values()]);
      throw error;
    }
    return new ForwardActivations(network, images, training, outputs);
  }

  inputOf(i: number): tf.Tensor4D {
    return i === 0 ? this.images : this.outputOf(i - 1);
  }

  outputOf(i: number): tf.Tensor4D {
    const found = this.outputs.get((this.steps[i]).id);
    if (found === undefined) throw new Error(`no output of step ${i}`);
    return found;
  }

  dispose(): void {
    tf.dispose([...this.outputs.values()]);
  }
}

export interface BlockErrors {
  id: string;
  /** index of the unit in the trunk's steps */
  index: number;
  /** ‖x‖₂ of the unit's true input */
  inputNorm: number;
  /** ‖x − F⁻¹(F(x))‖₂ */
  oneBlock: number;
  /** ‖x − x̂‖₂ with x̂ rebuilt from the segment's output */
  chain: number;
  /** max |x − F⁻¹(F(x))| and max |x − x̂|: what revnet.errorThreshold is compared with */
  oneBlockMaxAbs: number;
  chainMaxAbs: number;
}

export function inverseOf(ctx: RunContext, step: TrunkStep, y: tf.Tensor4D): tf.Tensor4D {
  if (step.kind === 'squeeze') return unsqueeze(y);
  if (step.kind === 'reversible') return reversibleInverse(ctx, step, y);
  throw new Error(`${step.id} is not invertible`);
}

/** ‖a − b‖₂, ‖a‖₂ and max |a − b|, in float64 on the host (NaN anywhere gives NaN) */
export function l2Distance(a: tf.Tensor, b: tf.Tensor): { distance: number; norm: number; maxAbs: number } {
  const x = a.dataSync();
  const y = b.dataSync();
  let dd = 0;
  let xx = 0;
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i];
    const d = Math.abs(p - (y[i]));
    dd += d * d;
    xx += p * p;
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) || Number.isNaN(maxAbs) ? NaN : d;
  }
  return { distance: Math.sqrt(dd), norm: Math.sqrt(xx), maxAbs };
}

/** one-block and chain errors of every reversible unit, in step order */
export function measureBlockErrors(activations: ForwardActivations): BlockErrors[] {
  return runToEnd(measureBlockErrorsSteps(activations));
}

/** measureBlockErrors, yielding after every step of a segment's chain (a cancel thrown there frees the chain) */
export function* measureBlockErrorsSteps(activations: ForwardActivations): Stepwise<BlockErrors[]> {
  const { steps, ctx } = activations;
  const errors = new Map<number, BlockErrors>();
  for (const [first, last] of invertibleSegments(steps)) {
    let chain = tf.clone(activations.outputOf(last));
    try {
      for (let i = last; i >= first; i--) {
        const step = steps[i];
        const rebuilt = inverseOf(ctx, step, chain);
        chain.dispose();
        chain = rebuilt;
        if (step.kind !== 'reversible') continue;
        const truth = activations.inputOf(i);
        const single = reversibleInverse(ctx, step, activations.outputOf(i));
        const one = l2Distance(truth, single);
        single.dispose();
        const far = l2Distance(truth, chain);
        errors.set(i, { id: step.id, index: i, inputNorm: one.norm, oneBlock: one.distance, chain: far.distance, oneBlockMaxAbs: one.maxAbs, chainMaxAbs: far.maxAbs });
        yield;
      }
    } finally {
      chain.dispose();
    }
  }
  return [...errors.keys()].sort((a, b) => a - b).map((i) => errors.get(i) as BlockErrors);
}

/**
 * The bound on each unit's chain error: Σ over the units j from this one to its segment's end of j's one-block
 * error times the inverse Lipschitz constants of the units between (k … j−1); squeezes are isometries.
 */
export function predictChainErrors(steps: readonly TrunkStep[], errors: readonly BlockErrors[], inverseLipschitz: ReadonlyMap<string, number>): Map<string, number> {
  const byIndex = new Map(errors.map((e) => [e.index, e]));
  const predicted = new Map<string, number>();
  for (const [first, last] of invertibleSegments(steps)) {
    for (let k = first; k <= last; k++) {
      const step = steps[k];
      if (step.kind !== 'reversible') continue;
      let sum = 0;
      let gain = 1;
      for (let j = k; j <= last; j++) {
        const later = steps[j];
        if (later.kind !== 'reversible') continue;
        sum += (byIndex.get(j)?.oneBlock ?? 0) * gain;
        gain *= inverseLipschitz.get(later.id) ?? 1;
      }
      predicted.set(step.id, sum);
    }
  }
  return predicted;
}

export function reversibleSteps(network: Network): { step: ReversibleStep; index: number }[] {
  return architectureOf(network)
    .steps.map((step, index) => ({ step, index }))
    .filter((s): s is { step: ReversibleStep; index: number } => s.step.kind === 'reversible');
}
