// Reconstruction error of every reversible unit, BatchNorm in inference mode, float32:
// - one-block: the unit inverted from its true output, against its true input;
// - chain: the unit's input rebuilt from the trunk's final output through every later step, as the reversible
//   backward pass rebuilds it. Where the backward pass restarts from a stored input (a transition, the conv
//   stem), the chain restarts there too.
import * as tf from '@tensorflow/tfjs-core';
import type { ReconstructionStats } from '../../protocol/inspectReport';
import type { TrunkStep } from '../model/architecture';
import { forwardTrunk } from '../model/forward';
import { invertStep } from '../model/invert';
import { architectureOf } from '../model/network';
import type { Network } from '../model/network.types';
import { activationError, worstOf } from './errorStats';

export function measureReconstruction(network: Network, images: tf.Tensor4D): Map<string, ReconstructionStats> {
  const steps = architectureOf(network).steps;
  const run = forwardTrunk(network, images, { keepBlockOutputs: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const inputOf = (i: number): tf.Tensor4D => (i === 0 ? images : (outputs.get((steps[i - 1] as TrunkStep).id) as tf.Tensor4D));
  const stats = new Map<string, ReconstructionStats>();
  let chain = tf.clone(run.features);
  try {
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i] as TrunkStep;
      if (step.kind === 'stem-conv' || step.kind === 'transition') {
        // the backward pass takes this step's stored input
        chain.dispose();
        chain = tf.clone(inputOf(i));
        continue;
      }
      const rebuiltByChain = invertStep(network, step.id, chain);
      chain.dispose();
      chain = rebuiltByChain;
      if (step.kind !== 'reversible') continue;
      const truth = inputOf(i).dataSync();
      const channels = step.inShape[2];
      const single = invertStep(network, step.id, outputs.get(step.id) as tf.Tensor4D);
      const one = activationError(truth, single.dataSync(), channels);
      single.dispose();
      const far = activationError(truth, chain.dataSync(), channels);
      stats.set(step.id, {
        maxAbs: one.maxAbs,
        relL2: one.relL2,
        chainMaxAbs: far.maxAbs,
        chainRelL2: far.relL2,
        worstChannel: worstOf(one.channelMaxAbs),
        channelMaxAbs: one.channelMaxAbs,
        channelChainMaxAbs: far.channelMaxAbs,
      });
    }
  } finally {
    chain.dispose();
    // blockOutputs holds every step's output (features is the last of them)
    tf.dispose([...outputs.values()]);
  }
  return stats;
}
