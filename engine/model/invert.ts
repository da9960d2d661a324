// Running the trunk backwards from an output (of a unit, a stage or the whole trunk) towards the image,
// block after block and through squeezes, BatchNorm in inference mode (running statistics: a BatchNorm in
// training mode is not a function of one example). Stops where a part is not invertible and says so.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, TrunkStep } from './architecture';
import type { Network } from './network.types';
import { architectureOf, inferenceContext } from './network';
import { unsqueeze } from './squeeze';
import { stageOf } from './trunk';
import { reversibleInverse } from './units';
import { runToEnd, runWithPauses, type Stepwise } from '../util/stepwise';

export interface Inversion {
  /** the tensor at the point reached; the caller owns it */
  input: tf.Tensor4D;
  /** "image", or "output of stage2.unit0" / "output of stem" where a non-invertible part stopped it */
  reached: string;
  /** true when the image was reached */
  complete: boolean;
  /** why it stopped early, e.g. "stage2.unit0 is a strided transition and is not invertible; inverted back to the output of stage2.unit0" */
  stoppedBecause?: string;
  /** the ids of the steps inverted, last first */
  inverted: string[];
}

export class InversionError extends Error {}

/** index of the step whose output a location names: "trunk", "stem", "stageS", "stageS.unitU" or "stageS.squeeze" */
export function locateOutput(arch: Architecture, from: string): number {
  const last = arch.steps.length - 1;
  if (from === 'trunk') return last;
  const exact = arch.steps.findIndex((step) => step.id === from);
  if (exact >= 0) return exact;
  const stage = /^stage(\d+)$/.exec(from);
  if (stage !== null) {
    const s = Number(stage[1]);
    for (let i = last; i >= 0; i--) if (stageOf(arch.steps[i]) === s) return i;
  }
  const stages = Math.max(...arch.steps.map(stageOf));
  throw new InversionError(
    `unknown location "${from}"; expected "trunk", "stem", "stageS" (S from 1 to ${stages}), "stageS.unitU" or "stageS.squeeze" naming a part of this model`,
  );
}

export function describeStop(step: TrunkStep): string {
  const what = step.kind === 'stem-conv' ? 'a convolution stem' : step.kind === 'transition' ? (step.stride === 2 ? 'a strided transition' : 'a projection transition') : step.kind;
  return `${step.id} is ${what} and is not invertible; inverted back to the output of ${step.id}`;
}

export interface InvertOptions {
  /** throw an InversionError instead of stopping early at a non-invertible part */
  strict?: boolean;
}

export function invertFrom(net: Network, tensor: tf.Tensor4D, from: string, options: InvertOptions = {}): Inversion {
  return runToEnd(invertSteps(net, tensor, from, options));
}

/** invertFrom with `pause()` awaited after every step inverted (a cancel thrown there releases every tensor) */
export async function invertFromYielding(net: Network, tensor: tf.Tensor4D, from: string, pause: () => Promise<void>, options: InvertOptions = {}): Promise<Inversion> {
  return runWithPauses(invertSteps(net, tensor, from, options), pause);
}

function* invertSteps(net: Network, tensor: tf.Tensor4D, from: string, options: InvertOptions): Stepwise<Inversion> {
  const arch = architectureOf(net);
  const start = locateOutput(arch, from);
  const startStep = arch.steps[start];
  const expected = startStep.outShape;
  if (tensor.rank !== 4 || tensor.shape.slice(1).some((d, i) => d !== expected[i])) {
    throw new InversionError(
      `the tensor to invert has shape [${tensor.shape.join(',')}]; the output of ${startStep.id} has shape [N,${expected.join(',')}]`,
    );
  }
  const ctx = inferenceContext(net);
  const inverted: string[] = [];
  let h = tf.clone(tensor);
  try {
    for (let i = start; i >= 0; i--) {
      const step = arch.steps[i];
      if (step.kind === 'stem-conv' || step.kind === 'transition') {
        const stoppedBecause = describeStop(step);
        if (options.strict) throw new InversionError(`cannot invert from ${from} back to the image: ${stoppedBecause}`);
        return { input: h, reached: `output of ${step.id}`, complete: false, stoppedBecause, inverted };
      }
      const previous = h;
      h = step.kind === 'squeeze' ? unsqueeze(previous, step.order) : reversibleInverse(ctx, step, previous);
      previous.dispose();
      inverted.push(step.id);
      yield;
    }
  } catch (error) {
    h.dispose();
    throw error;
  }
  return { input: h, reached: 'image', complete: true, inverted };
}

/** the image from the trunk's final features; throws (naming the part) when the trunk is not invertible */
export function invertTrunk(net: Network, features: tf.Tensor4D): tf.Tensor4D {
  return invertFrom(net, features, 'trunk', { strict: true }).input;
}

/** one step back: the input of an invertible step (a reversible unit or a squeeze) from its output */
export function invertStep(net: Network, id: string, output: tf.Tensor4D): tf.Tensor4D {
  const step = architectureOf(net).steps.find((s) => s.id === id);
  if (step === undefined) throw new InversionError(`this model has no step "${id}"`);
  if (step.kind === 'squeeze') return unsqueeze(output, step.order);
  if (step.kind === 'reversible') return reversibleInverse(inferenceContext(net), step, output);
  throw new InversionError(describeStop(step).split(';')[0]);
}
