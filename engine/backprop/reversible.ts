// Reversible backprop (the paper's Algorithm 1). The forward pass keeps only the trunk's output and the
// inputs of non-invertible parts (conv stem, transitions); every unit's activations are disposed as soon as
// the next unit has run. The backward pass walks the units from last to first, rebuilding each unit's input
// from its output and computing its gradients locally, so only one unit's activations are alive at a time.
// Both passes are generators that yield after every step of the trunk: run to the end at once (the synchronous
// reversibleGradients) or with a pause at each yield (reversibleGradientsYielding), so that a caller awaiting a
// macrotask there lets the event loop answer messages in the middle of a long training step. No tf.tidy scope is
// open across a yield: every tensor alive between steps is held in `live` and disposed explicitly.
import * as tf from '@tensorflow/tfjs-core';
import './registerGradients';
import type { TrunkStep } from '../model/architecture';
import { BatchStatsRecorder } from '../model/batchStats';
import { crossEntropyLoss, head } from '../model/head';
import type { Network, StepGradients } from '../model/network.types';
import { architectureOf, batchNormSettings, trainingContext } from '../model/network';
import { param, type RunContext } from '../model/runContext';
import { unsqueeze } from '../model/squeeze';
import { applyStep } from '../model/trunk';
import { joinHalves, reversibleForwardHalves, type Halves } from '../model/units';
import { toHalves, toWhole, tensorsOf, type Activation } from './activation';
import { weightedLoss, type BackpropHooks } from './hooks';
import { reversibleUnitBackwardSteps, type UnitBackward } from './reversibleUnit';
import { headParamNames, stepParamNames } from './stepParams';
import { runToEnd, runWithPauses } from '../util/stepwise';

interface StoredForward {
  features: tf.Tensor4D;
  /** inputs of the conv stem and of transitions, by step index (the stem's is the caller's images) */
  storedInputs: Map<number, tf.Tensor4D>;
}

function mustStoreInput(step: TrunkStep): boolean {
  return step.kind === 'stem-conv' || step.kind === 'transition';
}

/**
 * forward in training mode, recording batch statistics, keeping only what the backward pass needs; yields after
 * each step. Tensors alive between steps (the current activation, stored inputs) are added to `live`, so that a
 * caller that abandons the pass can dispose them.
 */
function* reversibleForwardSteps(
  ctx: RunContext,
  steps: readonly TrunkStep[],
  images: tf.Tensor4D,
  hooks: BackpropHooks,
  live: Set<tf.Tensor>,
  storeEveryInput = false,
): Generator<void, StoredForward> {
  const storedInputs = new Map<number, tf.Tensor4D>();
  const mustStore = (step: TrunkStep) => storeEveryInput || mustStoreInput(step);
  let h: Activation = images;
  for (const [index, step] of steps.entries()) {
    hooks.onUnit?.(step.id, 'forward');
    if (step.kind === 'reversible' && !storeEveryInput) {
      const halves = toHalves(h, images);
      tensorsOf(h).forEach((t) => live.delete(t));
      h = reversibleForwardHalves(ctx, step, halves);
      tf.dispose(halves);
    } else {
      const whole = toWhole(h);
      tensorsOf(h).forEach((t) => live.delete(t));
      if (mustStore(step)) {
        storedInputs.set(index, whole);
        if (whole !== images) live.add(whole);
      }
      h = applyStep(ctx, step, whole);
      if (whole !== images && !mustStore(step)) whole.dispose();
    }
    tensorsOf(h).forEach((t) => live.add(t));
    yield;
  }
  const features = toWhole(h);
  tensorsOf(h).forEach((t) => live.delete(t));
  const kept = features === images ? tf.clone(images) : features;
  live.add(kept);
  return { features: kept, storedInputs };
}

/** forward in training mode, recording batch statistics, keeping only what the backward pass needs */
export function reversibleForwardPass(
  ctx: RunContext,
  steps: readonly TrunkStep[],
  images: tf.Tensor4D,
  hooks: BackpropHooks = {},
): StoredForward {
  return runToEnd(reversibleForwardSteps(ctx, steps, images, hooks, new Set()));
}

/** vector-Jacobian product of a whole step from its stored input: the parameter gradients and, if asked, dx */
function stepBackwardFromInput(
  ctx: RunContext,
  step: TrunkStep,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  wantInputGradient: boolean,
): { dx: tf.Tensor4D | undefined; grads: Map<string, tf.Tensor> } {
  const names = stepParamNames(step);
  const grads = new Map<string, tf.Tensor>();
  const dx = tf.tidy(() => {
    const params = names.map((name) => param(ctx, name));
    const xs = wantInputGradient ? [x, ...params] : params;
    const pass = tf.grads(() => applyStep(ctx, step, x))(xs, dy);
    const offset = wantInputGradient ? 1 : 0;
    names.forEach((name, i) => grads.set(name, tf.keep(pass[i + offset])));
    return wantInputGradient ? (pass[0] as tf.Tensor4D) : undefined;
  });
  return { dx, grads };
}

export function reversibleGradients(net: Network, images: tf.Tensor4D, labels: tf.Tensor1D, hooks: BackpropHooks = {}): StepGradients {
  return runToEnd(reversibleGradientSteps(net, images, labels, hooks));
}

/** reversibleGradients with `pause()` awaited after every step of the forward and the backward pass */
export async function reversibleGradientsYielding(
  net: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  pause: () => Promise<void>,
  hooks: BackpropHooks = {},
): Promise<StepGradients> {
  return runWithPauses(reversibleGradientSteps(net, images, labels, hooks), pause);
}

/**
 * Standard backprop (stored activations, nothing rebuilt) as the same stepwise pass: every step's input is kept
 * in the forward pass and each step's vector-Jacobian product is taken from it, yielding after every step. The
 * gradients equal standardGradients' one tape up to float32 rounding; for callers that must stay responsive
 * (stability tracking during training) where that tape would block the event loop for the whole pass.
 */
export async function storedActivationGradientsYielding(
  net: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  pause: () => Promise<void>,
): Promise<StepGradients> {
  return runWithPauses(reversibleGradientSteps(net, images, labels, {}, true), pause);
}

/** the reversible pass as a generator yielding after every step of the trunk, forward and backward (no tidy spans a yield) */
export function* reversibleGradientSteps(
  net: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  hooks: BackpropHooks,
  storeEveryInput = false,
): Generator<void, StepGradients> {
  const arch = architectureOf(net);
  const steps = arch.steps;
  const stats = new BatchStatsRecorder();
  const forwardCtx = trainingContext(net, stats);
  const recomputeCtx = trainingContext(net);
  const grads = new Map<string, tf.Tensor>();
  const live = new Set<tf.Tensor>();
  let loss: tf.Scalar | undefined;
  try {
    const stored = yield* reversibleForwardSteps(forwardCtx, steps, images, hooks, live, storeEveryInput);

    hooks.onUnit?.('head', 'forward');
    const headNames = headParamNames(arch);
    let logits: tf.Tensor2D | undefined;
    const headPass = tf.valueAndGrads((features: tf.Tensor) => {
      logits = tf.keep(head(forwardCtx, arch.head, features as tf.Tensor4D));
      return weightedLoss(crossEntropyLoss(logits, labels), hooks.lossWeight);
    })([stored.features, ...headNames.map((name) => param(forwardCtx, name))]);
    live.add(logits as tf.Tensor2D);
    headNames.forEach((name, i) => grads.set(name, headPass.grads[i + 1]));
    loss = headPass.value;
    stats.applyTo(net.weights, batchNormSettings(net).momentum, batchNormSettings(net).runningVariance);

    // the first step with parameters: no input gradient is needed before it
    const firstWithParams = steps.findIndex((step) => stepParamNames(step).length > 0);
    let y: Activation = stored.features;
    let dy: Activation = headPass.grads[0] as tf.Tensor4D;
    live.add(dy);
    const release = (a: Activation) => tensorsOf(a).forEach((t) => live.delete(t));
    const hold = (a: Activation) => tensorsOf(a).forEach((t) => t !== images && live.add(t));
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i];
      hooks.onUnit?.(step.id, 'backward');
      if (i < firstWithParams) break;
      let x: Activation;
      let dx: Activation | undefined;
      release(y);
      release(dy);
      if (step.kind === 'reversible' && !storeEveryInput) {
        const yh: Halves = toHalves(y);
        const dyh: Halves = toHalves(dy);
        hold(yh);
        hold(dyh);
        const unit: UnitBackward = yield* reversibleUnitBackwardSteps(recomputeCtx, step, yh, dyh);
        tf.dispose([...yh, ...dyh]);
        release(yh);
        release(dyh);
        x = unit.x;
        dx = unit.dx;
        for (const [name, g] of unit.grads) grads.set(name, g);
        if (hooks.onRebuilt !== undefined) {
          const whole = joinHalves(unit.x[0], unit.x[1]);
          hooks.onRebuilt(step.id, whole);
          whole.dispose();
        }
      } else if (step.kind === 'squeeze' && !storeEveryInput) {
        const [yw, dyw] = [toWhole(y), toWhole(dy)];
        x = unsqueeze(yw, step.order);
        dx = unsqueeze(dyw, step.order);
        tf.dispose([yw, dyw]);
      } else {
        const dyw = toWhole(dy);
        tf.dispose(tensorsOf(y));
        x = stored.storedInputs.get(i) as tf.Tensor4D;
        live.delete(x);
        const pass = stepBackwardFromInput(recomputeCtx, step, x, dyw, i > firstWithParams);
        dyw.dispose();
        dx = pass.dx;
        for (const [name, g] of pass.grads) grads.set(name, g);
      }
      hold(x);
      if (dx === undefined) break;
      hold(dx);
      y = x;
      dy = dx;
      yield;
    }
    for (const t of live) if (t !== logits) t.dispose();
    live.clear();
    const ordered = new Map<string, tf.Tensor>();
    for (const name of net.weights.params.keys()) {
      const g = grads.get(name);
      if (g === undefined) throw new Error(`reversible backprop produced no gradient for ${name}`);
      ordered.set(name, g);
    }
    return { loss: headPass.value, logits: logits as tf.Tensor2D, grads: ordered };
  } catch (error) {
    for (const t of live) t.dispose();
    for (const g of grads.values()) g.dispose();
    loss?.dispose();
    stats.dispose();
    throw error;
  }
}
