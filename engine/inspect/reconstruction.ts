// Reconstruction error of every reversible unit, float32, errors accumulated in float64:
// - one-block: the unit inverted from its true output, against its true input;
// - chain: the unit's input rebuilt from the trunk's final output through every later step, as the reversible
//   backward pass rebuilds it. Where the backward pass restarts from a stored input (a transition, the conv
//   stem), the chain restarts there too.
// Two BatchNorm modes:
// - training (default): batch statistics, as in a training step. A training-mode BatchNorm is a function of
//   the whole batch, so the coupling still inverts exactly at batch level; the true activations come from a
//   training-mode forward (running statistics untouched) and the chain is what a real reversible backward
//   pass rebuilds (its onRebuilt hook).
// - inference: running statistics; the chain is inverted here, step by step.
import * as tf from '@tensorflow/tfjs-core';
import type { ReconstructionMode, ReconstructionStats } from '../../protocol/inspectReport';
import { disposeStep } from '../backprop';
import { reversibleGradientSteps } from '../backprop/reversible';
import { invertStep } from '../model/invert';
import { architectureOf, inferenceContext, trainingContext } from '../model/network';
import { applyStep } from '../model/trunk';
import { runToEnd, runWithPauses, type Stepwise } from '../util/stepwise';
import type { Network } from '../model/network.types';
import { reversibleInverse } from '../model/units';
import { activationError, worstOf, type ActivationError } from './errorStats';
import { snapshotWeights } from './weightSnapshot';

export const DEFAULT_RECONSTRUCTION_MODE: ReconstructionMode = 'training';

/**
 * the errors of every reversible unit, by id; labels are only for the training-mode backward pass (its loss).
 * Leaves every weight and running statistic as it found them.
 */
export function measureReconstruction(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: ReconstructionMode = DEFAULT_RECONSTRUCTION_MODE,
): Map<string, ReconstructionStats> {
  return runToEnd(measureReconstructionSteps(network, images, labels, mode));
}

/** measureReconstruction with `pause()` awaited after every block of each of its passes (a cancel thrown there frees everything) */
export async function measureReconstructionYielding(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: ReconstructionMode,
  pause: () => Promise<void>,
): Promise<Map<string, ReconstructionStats>> {
  return runWithPauses(measureReconstructionSteps(network, images, labels, mode), pause);
}

/**
 * Training mode, with the chain left to a reversible training step the caller runs anyway (an inspection's
 * profiled step): the true activations and one-block errors now, pausing after every block; the chain errors from
 * the step's `onRebuilt`, which must be given this object's. `finish()` after that step.
 */
export interface PendingChain {
  onRebuilt: (id: string, rebuilt: tf.Tensor4D) => void;
  /** the stats, once the caller's step has rebuilt every reversible unit's input */
  finish: () => Map<string, ReconstructionStats>;
}

export async function measureOneBlockYielding(network: Network, images: tf.Tensor4D, pause: () => Promise<void>): Promise<PendingChain> {
  const { oneBlock, truths } = await runWithPauses(oneBlockSteps(network, images, 'training'), pause);
  const chain = new Map<string, ActivationError>();
  return {
    onRebuilt: (id, rebuilt) => {
      chain.set(id, chainError(truths, id, rebuilt));
    },
    finish: () => combine(oneBlock, chain),
  };
}

interface OneBlock {
  oneBlock: Map<string, ActivationError>;
  /** every reversible unit's true input */
  truths: Map<string, Float32Array>;
  /** inference mode: the chain, inverted from the forward's features while its step outputs are alive */
  inferenceChain?: Map<string, ActivationError>;
}

/** a forward pass one step at a time, then every reversible unit inverted from its true output */
function* oneBlockSteps(network: Network, images: tf.Tensor4D, mode: ReconstructionMode): Stepwise<OneBlock> {
  const steps = architectureOf(network).steps;
  // every step's output (the last is the features), made one step at a time
  const outputs = new Map<string, tf.Tensor4D>();
  try {
    const forwardCtx = mode === 'training' ? trainingContext(network) : inferenceContext(network);
    let h = images;
    for (const step of steps) {
      h = applyStep(forwardCtx, step, h);
      outputs.set(step.id, h);
      yield;
    }
    const features = h;
    const inputOf = (i: number): tf.Tensor4D => (i === 0 ? images : (outputs.get(steps[i - 1].id) as tf.Tensor4D));
    const oneBlock = new Map<string, ActivationError>();
    const truths = new Map<string, Float32Array>();
    const ctx = trainingContext(network);
    for (const [i, step] of steps.entries()) {
      if (step.kind !== 'reversible') continue;
      const output = outputs.get(step.id) as tf.Tensor4D;
      const single = mode === 'training' ? reversibleInverse(ctx, step, output) : invertStep(network, step.id, output);
      const truth = inputOf(i).dataSync() as Float32Array;
      truths.set(step.id, truth);
      oneBlock.set(step.id, activationError(truth, single.dataSync(), step.inShape[2]));
      single.dispose();
      yield;
    }
    if (mode === 'training') return { oneBlock, truths };
    return { oneBlock, truths, inferenceChain: yield* chainInInferenceMode(network, features, inputOf, truths) };
  } finally {
    tf.dispose([...outputs.values()]);
  }
}

function* measureReconstructionSteps(network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: ReconstructionMode): Stepwise<Map<string, ReconstructionStats>> {
  const { oneBlock, truths, inferenceChain } = yield* oneBlockSteps(network, images, mode);
  return combine(oneBlock, inferenceChain ?? (yield* chainOfBackwardPass(network, images, labels, truths)));
}

function chainError(truths: Map<string, Float32Array>, id: string, rebuilt: tf.Tensor4D): ActivationError {
  const truth = truths.get(id);
  if (truth === undefined) throw new Error(`the backward pass rebuilt ${id}, which is not a reversible unit of the forward pass`);
  return activationError(truth, rebuilt.dataSync(), rebuilt.shape[3]);
}

function combine(oneBlock: Map<string, ActivationError>, chain: Map<string, ActivationError>): Map<string, ReconstructionStats> {
  const stats = new Map<string, ReconstructionStats>();
  for (const [id, one] of oneBlock) {
    const far = chain.get(id);
    if (far === undefined) throw new Error(`the reversible backward pass did not rebuild the input of ${id}`);
    stats.set(id, {
      maxAbs: one.maxAbs,
      relL2: one.relL2,
      chainMaxAbs: far.maxAbs,
      chainRelL2: far.relL2,
      worstChannel: worstOf(one.channelMaxAbs),
      channelMaxAbs: one.channelMaxAbs,
      channelChainMaxAbs: far.channelMaxAbs,
    });
  }
  return stats;
}

/** the inputs one real reversible training step rebuilds, against the true ones; the step's effects undone */
function* chainOfBackwardPass(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  truths: Map<string, Float32Array>,
): Stepwise<Map<string, ActivationError>> {
  const chain = new Map<string, ActivationError>();
  // the step moves the running statistics once
  const snapshot = snapshotWeights(network);
  try {
    const step = yield* reversibleGradientSteps(network, images, labels, {
      onRebuilt(id, rebuilt) {
        chain.set(id, chainError(truths, id, rebuilt));
      },
    });
    disposeStep(step);
  } finally {
    snapshot.restore();
  }
  return chain;
}

/** the chain inverted here with running statistics, from the features back to the first step */
function* chainInInferenceMode(
  network: Network,
  features: tf.Tensor4D,
  inputOf: (i: number) => tf.Tensor4D,
  truths: Map<string, Float32Array>,
): Stepwise<Map<string, ActivationError>> {
  const steps = architectureOf(network).steps;
  const errors = new Map<string, ActivationError>();
  let chain = tf.clone(features);
  try {
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i];
      if (step.kind === 'stem-conv' || step.kind === 'transition') {
        // the backward pass takes this step's stored input
        chain.dispose();
        chain = tf.clone(inputOf(i));
        continue;
      }
      const rebuilt = invertStep(network, step.id, chain);
      chain.dispose();
      chain = rebuilt;
      if (step.kind !== 'reversible') continue;
      errors.set(step.id, activationError(truths.get(step.id) as Float32Array, chain.dataSync(), step.inShape[2]));
      yield;
    }
  } finally {
    chain.dispose();
  }
  return errors;
}
