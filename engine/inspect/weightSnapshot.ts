// A host copy of every weight and BatchNorm running statistic, written back bit for bit: inspection runs
// training steps (which move the running statistics) and must leave the model exactly as it found it.
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network.types';

export interface WeightSnapshot {
  /** writes every saved value back into its variable */
  restore(): void;
}

export function snapshotWeights(network: Network): WeightSnapshot {
  const saved = [...network.weights.params, ...network.weights.buffers].map(([, variable]) => ({
    variable,
    data: Float32Array.from(variable.dataSync() as Float32Array),
  }));
  return {
    restore(): void {
      for (const { variable, data } of saved) {
        tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
      }
    },
  };
}
