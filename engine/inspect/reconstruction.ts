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
import { computeGradientsWithHooks, disposeStep } from '../backprop';
import { forwardTrunk } from '../model/forward';
import { invertStep } from '../model/invert';
import { architectureOf, trainingContext } from '../model/network';
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
  const steps = architectureOf(network).steps;
  const run = forwardTrunk(network, images, { keepBlockOutputs: true, training: mode === 'training' });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const inputOf = (i: number): tf.Tensor4D => (i === 0 ? images : (outputs.get(steps[i - 1].id) as tf.Tensor4D));
  try {
    const oneBlock = new Map<string, ActivationError>();
    const truths = new Map<string, Float32Array>();
    const ctx = trainingContext(network);
    steps.forEach((step, i) => {
      if (step.kind !== 'reversible') return;
      const output = outputs.get(step.id) as tf.Tensor4D;
      const single = mode === 'training' ? reversibleInverse(ctx, step, output) : invertStep(network, step.id, output);
      const truth = inputOf(i).dataSync() as Float32Array;
      truths.set(step.id, truth);
      oneBlock.set(step.id, activationError(truth, single.dataSync(), step.inShape[2]));
      single.dispose();
    });
    const chain = mode === 'training' ? chainOfBackwardPass(network, images, labels, truths) : chainInInferenceMode(network, run.features, inputOf, truths);
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
  } finally {
    // blockOutputs holds every step's output (features is the last of them)
    tf.dispose([...outputs.values()]);
  }
}

/** the inputs one real reversible training step rebuilds, against the true ones; the step's effects undone */
function chainOfBackwardPass(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  truths: Map<string, Float32Array>,
): Map<string, ActivationError> {
  const chain = new Map<string, ActivationError>();
  // the step moves the running statistics once
  const snapshot = snapshotWeights(network);
  try {
    const step = computeGradientsWithHooks(network, images, labels, 'reversible', {
      onRebuilt(id, rebuilt) {
        const truth = truths.get(id);
        if (truth === undefined) throw new Error(`the backward pass rebuilt ${id}, which is not a reversible unit of the forward pass`);
        chain.set(id, activationError(truth, rebuilt.dataSync(), rebuilt.shape[3]));
      },
    });
    disposeStep(step);
  } finally {
    snapshot.restore();
  }
  return chain;
}

/** the chain inverted here with running statistics, from the features back to the first step */
function chainInInferenceMode(
  network: Network,
  features: tf.Tensor4D,
  inputOf: (i: number) => tf.Tensor4D,
  truths: Map<string, Float32Array>,
): Map<string, ActivationError> {
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
    }
  } finally {
    chain.dispose();
  }
  return errors;
}
