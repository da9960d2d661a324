// Wall time of training steps: warm-up first (kernel compilation, allocations), then the median of a few
// steps, fewer when a step is slow so that inspecting a large model stays reasonable.
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients } from '../backprop';
import type { Network, StepGradients, TrainMode } from '../model/network.types';

export interface TimingOptions {
  /** timed steps at most (default 5) */
  maxSteps?: number;
  /** stop adding steps once this much time went into timed steps (default 6000 ms); at least one is timed */
  budgetMs?: number;
  /** untimed steps first (default 1) */
  warmUp?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** one training step, resolved once every gradient is computed: in this thread or over training threads */
export type StepRunner = (network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode) => StepGradients | Promise<StepGradients>;

const inThisThread: StepRunner = (network, images, labels, mode) => computeGradients(network, images, labels, mode);

async function oneStep(network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode, runner: StepRunner): Promise<number> {
  const start = performance.now();
  const { loss, logits, grads } = await runner(network, images, labels, mode);
  // reading a value waits for every kernel the step queued (asynchronous backends)
  for (const grad of grads.values()) grad.dataSync();
  const elapsed = performance.now() - start;
  tf.dispose([loss, logits, ...grads.values()]);
  return elapsed;
}

/** median milliseconds of one step and the times it was taken from; moves the running statistics (the caller restores them) */
export async function timeSteps(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: TrainMode,
  options: TimingOptions = {},
  runner: StepRunner = inThisThread,
): Promise<{ medianMs: number; samples: number[] }> {
  const maxSteps = options.maxSteps ?? 5;
  const budgetMs = options.budgetMs ?? 6000;
  for (let i = 0; i < (options.warmUp ?? 1); i++) await oneStep(network, images, labels, mode, runner);
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < maxSteps && (samples.length === 0 || spent < budgetMs)) {
    const ms = await oneStep(network, images, labels, mode, runner);
    samples.push(ms);
    spent += ms;
  }
  return { medianMs: median(samples), samples };
}
