// Gradient fidelity: the reversible backward pass's parameter gradients against standard backprop's (stored
// activations; autodiff's tape, or the same per trunk step when the pass must yield),
// per block over all of its parameters and per parameter tensor, compared on the host in float64.
import * as tf from '@tensorflow/tfjs-core';
import type { GradientStats } from '../../protocol/inspectReport';
import { computeGradients } from '../backprop';
import { reversibleGradientsYielding, storedActivationGradientsYielding } from '../backprop/reversible';
import type { Network, StepGradients, TrainMode } from '../model/network.types';
import { vectorAgreement } from './errorStats';

export type HostGradients = Map<string, Float32Array>;

/** one training step's gradients as host arrays (BatchNorm in training mode; moves the running statistics once) */
export function hostGradients(network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode): HostGradients {
  return toHost(computeGradients(network, images, labels, mode));
}

/**
 * hostGradients with `pause()` awaited after every step of the trunk, forward and backward (a pause that throws
 * ends the pass and releases its tensors). Standard mode takes each step's vector-Jacobian product from its stored
 * input instead of one tape over the network: the same gradients up to float32 rounding.
 */
export async function hostGradientsYielding(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: TrainMode,
  pause: () => Promise<void>,
): Promise<HostGradients> {
  const pass = mode === 'reversible' ? reversibleGradientsYielding : storedActivationGradientsYielding;
  return toHost(await pass(network, images, labels, pause));
}

function toHost({ loss, logits, grads }: StepGradients): HostGradients {
  try {
    return toHostGradients(grads);
  } finally {
    tf.dispose([loss, logits, ...grads.values()]);
  }
}

/** copies of a step's gradients in this thread's memory */
export function toHostGradients(grads: ReadonlyMap<string, tf.Tensor>): HostGradients {
  const out: HostGradients = new Map();
  for (const [name, grad] of grads) out.set(name, Float32Array.from(grad.dataSync() as Float32Array));
  return out;
}

/** the block's candidate gradients against the reference, over the named parameters */
export function gradientStats(names: string[], reference: HostGradients, candidate: HostGradients): GradientStats {
  const pick = (grads: HostGradients, name: string): Float32Array => {
    const grad = grads.get(name);
    if (grad === undefined) throw new Error(`no gradient for parameter ${name}`);
    return grad;
  };
  const refs = names.map((name) => pick(reference, name));
  const cands = names.map((name) => pick(candidate, name));
  const overall = vectorAgreement(refs, cands);
  return {
    relErr: overall.relErr,
    cosine: overall.cosine,
    perParameter: names.map((name, i) => ({ name, ...vectorAgreement([refs[i]], [cands[i]]) })),
  };
}
