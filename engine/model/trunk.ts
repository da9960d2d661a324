// Running the feature trunk (everything before the head) forwards, one step at a time.
import * as tf from '@tensorflow/tfjs-core';
import type { TrunkStep } from './architecture';
import { conv } from './layers';
import type { RunContext } from './runContext';
import { squeeze } from './squeeze';
import { reversibleForward, transitionForward } from './units';
import { runToEnd, runWithPauses, type Stepwise } from '../util/stepwise';

export function applyStep(ctx: RunContext, step: TrunkStep, x: tf.Tensor4D): tf.Tensor4D {
  switch (step.kind) {
    case 'stem-conv':
      return tf.tidy(() => conv(ctx, 'stem.conv', x));
    case 'squeeze':
      return squeeze(x, step.order);
    case 'reversible':
      return reversibleForward(ctx, step, x);
    case 'transition':
      return transitionForward(ctx, step, x);
  }
}

export interface TrunkRun {
  /** the trunk's output, the head's input */
  features: tf.Tensor4D;
  /** keepBlockOutputs: each step's output by step id ("stem", "stage2.squeeze", "stage1.unit0") */
  blockOutputs?: Map<string, tf.Tensor4D>;
  /** keepBlockOutputs: each stage's output ("stage1") and the stem's ("stem") */
  stageOutputs?: Map<string, tf.Tensor4D>;
}

/** Runs every step; the caller owns (and disposes) the returned tensors. Kept outputs are shared with stageOutputs. */
export function runTrunk(
  ctx: RunContext,
  steps: readonly TrunkStep[],
  images: tf.Tensor4D,
  keepBlockOutputs: boolean,
  onStep?: (id: string) => void,
): TrunkRun {
  const blockOutputs = new Map<string, tf.Tensor4D>();
  const stageOutputs = new Map<string, tf.Tensor4D>();
  let h = images;
  steps.forEach((step, index) => {
    onStep?.(step.id);
    const next = applyStep(ctx, step, h);
    if (h !== images && !keepBlockOutputs) h.dispose();
    h = next;
    if (!keepBlockOutputs) return;
    blockOutputs.set(step.id, h);
    const following = steps.at(index + 1);
    const stage = step.kind === 'stem-conv' || (step.kind === 'squeeze' && step.stage === 0) ? 0 : (step as { stage: number }).stage;
    const stageEnds = following === undefined || stageOf(following) !== stage;
    if (stageEnds) stageOutputs.set(stage === 0 ? 'stem' : `stage${stage}`, h);
  });
  if (h === images) h = tf.clone(images);
  const run: TrunkRun = { features: h };
  if (keepBlockOutputs) {
    run.blockOutputs = blockOutputs;
    run.stageOutputs = stageOutputs;
  }
  return run;
}

export function stageOf(step: TrunkStep): number {
  return step.kind === 'stem-conv' ? 0 : step.stage;
}

/** runs steps[first..last] (inclusive) on x; the caller owns the result (x itself is not disposed) */
export function runSteps(ctx: RunContext, steps: readonly TrunkStep[], first: number, last: number, x: tf.Tensor4D): tf.Tensor4D {
  return runToEnd(stepsFrom(ctx, steps, first, last, x));
}

/** runSteps with `pause()` awaited after every step (a cancel thrown there releases every tensor) */
export async function runStepsYielding(
  ctx: RunContext,
  steps: readonly TrunkStep[],
  first: number,
  last: number,
  x: tf.Tensor4D,
  pause: () => Promise<void>,
): Promise<tf.Tensor4D> {
  return runWithPauses(stepsFrom(ctx, steps, first, last, x), pause);
}

function* stepsFrom(ctx: RunContext, steps: readonly TrunkStep[], first: number, last: number, x: tf.Tensor4D): Stepwise<tf.Tensor4D> {
  let h = x;
  try {
    for (let i = first; i <= last; i++) {
      const next = applyStep(ctx, steps[i], h);
      if (h !== x) h.dispose();
      h = next;
      yield;
    }
  } catch (error) {
    if (h !== x) h.dispose();
    throw error;
  }
  return h === x ? tf.clone(x) : h;
}
