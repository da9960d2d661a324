// Wall time of training steps: warm-up first (kernel compilation, allocations), then the median of a few
// steps, fewer when a step is slow so that inspecting a large model stays reasonable.
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients, computeGradientsYielding } from '../backprop';
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

/**
 * one training step, resolved once every gradient is computed: in this thread or over training threads; a runner
 * may await `pause` between the steps of its pass (its time is not counted)
 */
export type StepRunner = (network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode, pause: () => Promise<void>) => StepGradients | Promise<StepGradients>;

/** the reversible pass pauses block by block; the standard one is autodiff's single tape, timed as training runs it */
const inThisThread: StepRunner = (network, images, labels, mode, pause) =>
  mode === 'reversible' ? computeGradientsYielding(network, images, labels, mode, pause) : computeGradients(network, images, labels, mode);

async function oneStep(network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode, runner: StepRunner, pause: () => Promise<void>): Promise<number> {
  let paused = 0;
  const timedPause = async () => {
    const started = performance.now();
    try {
      await pause();
    } finally {
      paused += performance.now() - started;
    }
  };
  const start = performance.now();
  const { loss, logits, grads } = await runner(network, images, labels, mode, timedPause);
  // reading a value waits for every kernel the step queued (asynchronous backends)
  for (const grad of grads.values()) grad.dataSync();
  const elapsed = performance.now() - start - paused;
  tf.dispose([loss, logits, ...grads.values()]);
  return elapsed;
}

/** the recompute cost measured as pairs: each repeat times a standard and a reversible step back to back
 *  (in alternating order), so a change in the machine's load hits both sides of a ratio alike */
export interface PairedTiming {
  standard: { medianMs: number; samples: number[] };
  reversible: { medianMs: number; samples: number[] };
  /** reversible ÷ standard step time, per repeat: the median and the spread */
  ratio: { median: number; min: number; max: number; samples: number[] };
}

/** up to maxSteps pairs within the budget (at least one); `between` runs after each pair (yield, cancel), `pause` inside a step (not timed) */
export async function timePairedSteps(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  options: TimingOptions = {},
  between: () => Promise<void> = async () => undefined,
  runner: StepRunner = inThisThread,
  pause: () => Promise<void> = async () => undefined,
): Promise<PairedTiming> {
  const maxSteps = options.maxSteps ?? 5;
  const budgetMs = options.budgetMs ?? 6000;
  for (let i = 0; i < (options.warmUp ?? 1); i++) {
    await oneStep(network, images, labels, 'standard', runner, pause);
    await oneStep(network, images, labels, 'reversible', runner, pause);
  }
  const standard: number[] = [];
  const reversible: number[] = [];
  let spent = 0;
  while (standard.length < maxSteps && (standard.length === 0 || spent < budgetMs)) {
    const reversibleFirst = standard.length % 2 === 1;
    const first = await oneStep(network, images, labels, reversibleFirst ? 'reversible' : 'standard', runner, pause);
    const second = await oneStep(network, images, labels, reversibleFirst ? 'standard' : 'reversible', runner, pause);
    standard.push(reversibleFirst ? second : first);
    reversible.push(reversibleFirst ? first : second);
    spent += first + second;
    await between();
  }
  const ratios = standard.map((ms, i) => (ms > 0 ? (reversible[i] ?? 0) / ms : Number.NaN));
  return {
    standard: { medianMs: median(standard), samples: standard },
    reversible: { medianMs: median(reversible), samples: reversible },
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), samples: ratios },
  };
}
