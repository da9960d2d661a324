// Training threads for an inspection's timing phase, started as soon as the batch is known: the workers load
// their backend, build their copy of the network and run their first (untimed) steps on the other cores while
// this thread measures reconstruction, gradients and memory, instead of all of it waiting for the timing phase.
import type * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network.types';
import { ParallelStep } from '../parallel/parallelStep';

export interface WarmPool {
  /** the pool once started and warmed up (rejects if either failed) */
  ready: Promise<ParallelStep>;
  /** stops the workers, started or not; safe whatever happened before */
  dispose(): Promise<void>;
}

export function startWarmPool(network: Network, threads: number, backend: string, images: tf.Tensor4D, labels: tf.Tensor1D): WarmPool {
  const started = ParallelStep.start(network, threads, backend);
  const ready = started.then(async (pool) => {
    await pool.warmUp(network, images, labels, ['standard', 'reversible']);
    return pool;
  });
  // seen by whoever awaits `ready`; an inspection that fails or is cancelled earlier never does
  ready.catch(() => undefined);
  return {
    ready,
    dispose: async () => {
      const pool = await started.catch(() => undefined);
      await pool?.dispose();
    },
  };
}
