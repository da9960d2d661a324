// `--threads N` for the benches (0: one per core, as `revnet train`; 1: this thread), and a step runner that
// times our step at that many threads: in this thread, or over a ParallelStep pool (engine/parallel).
// For bench/run.ts: `const threads = threadsFromArgv(process.argv, BATCH)`, `const runner = await
// startStepRunner(stack.net, threads)`, time `await runner.step(mode)` in place of computeGradients
// and `await runner.forward(images)` for an inference forward, `await runner.dispose()` at the end.
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients, disposeStep } from '../engine/backprop';
import type { Network, TrainMode } from '../engine/model/network.types';
import { ParallelStep } from '../engine/parallel/parallelStep';
import { resolveThreads } from '../engine/parallel/threadCount';

/** the thread count asked by `--threads N` (default 0: one per core), resolved for the active backend and a batch */
export function threadsFromArgv(argv: readonly string[], batch: number): number {
  const index = argv.indexOf('--threads');
  const text = index >= 0 ? argv.at(index + 1) : undefined;
  return resolveThreads(text === undefined ? undefined : Number(text), tf.getBackend(), batch);
}

export interface StepRunner {
  readonly threads: number;
  /** one training step on the given batch; resolves when every gradient is computed; disposes its results */
  step(images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode): Promise<void>;
  /** one inference forward (the logits read back, then disposed) */
  forward(images: tf.Tensor4D): Promise<void>;
  dispose(): Promise<void>;
}


export async function startStepRunner(net: Network, threads: number): Promise<StepRunner> {
  if (threads <= 1) {
    return {
      threads: 1,
      step: (images, labels, mode) => {
        const step = computeGradients(net, images, labels, mode);
        // reading a value waits for every kernel the step queued (asynchronous backends)
        for (const grad of step.grads.values()) grad.dataSync();
        disposeStep(step);
        return Promise.resolve();
      },
      forward: (images) => {
        const logits = net.predict(images);
        logits.dataSync();
        logits.dispose();
        return Promise.resolve();
      },
      dispose: () => Promise.resolve(),
    };
  }
  const pool = await ParallelStep.start(net, threads, tf.getBackend());
  return {
    threads,
    step: async (images, labels, mode) => {
      disposeStep(await pool.step(net, images, labels, mode));
    },
    forward: async (images) => {
      (await pool.predict(net, images)).dispose();
    },
    dispose: () => pool.dispose(),
  };
}
