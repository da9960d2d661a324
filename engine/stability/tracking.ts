// Stability through training: every N steps, on a fixed probe batch, each reversible unit's one-block and
// chain error, the largest inverse Lipschitz estimate, and the agreement of reversible and standard gradients,
// appended as one line to RUN_DIR/stability.jsonl. Says once per unit when it first crosses the error threshold.
// Leaves the weights and running statistics exactly as it found them, and tf.memory().numTensors too.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { StabilityRecord } from '../../protocol/stabilityReport';
import { vectorAgreement } from '../inspect/errorStats';
import { hostGradientsYielding } from '../inspect/gradientFidelity';
import { snapshotWeights } from '../inspect/weightSnapshot';
import type { TrunkStep } from '../model/architecture';
import type { Network } from '../model/network.types';
import { reversibleInverse } from '../model/units';
import { ForwardActivations, measureBlockErrorsSteps } from './blockErrors';
import { largestSingularValueSteps, type JvpMethod } from './lipschitz';
import { runWithPauses } from '../util/stepwise';
import { yieldToEventLoop } from '../util/yieldToEventLoop';

export const STABILITY_FILE = 'stability.jsonl';
/** examples of the fixed probe batch */
export const TRACKING_BATCH = 8;
/** power-iteration steps per unit at the first measurement: a rough, cheap estimate (the inspection converges) */
export const TRACKING_ITERATIONS = 4;
/** at later measurements, warm-started from the last one's vector (the weights moved only a little) */
export const WARM_ITERATIONS = 2;

/** a few times per epoch */
export function defaultTrackingInterval(stepsPerEpoch: number): number {
  return Math.max(1, Math.round(stepsPerEpoch / 4));
}

export interface TrackerOptions {
  network: Network;
  /** the fixed probe batch; the tracker keeps its own copies */
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  outDir: string;
  /** measure when step % every === 0 */
  every: number;
  /** max |Δ| (one-block or chain) above which a unit is reported, once */
  threshold: number;
  /** a fresh run truncates the file; a resumed one appends */
  fresh: boolean;
  /** gets "stage1.unit0 crossed the error threshold …" */
  onCrossing: (message: string, blockId: string, step: number) => void;
  /** power iteration: warm start from the previous measurement (default true) and the JVP (default finite-difference, two forwards instead of a second-order gradient) */
  warmStart?: boolean;
  jvp?: JvpMethod;
}

/** thrown out of a measurement when Stop arrives in the middle of it: the measurement is dropped, not written */
class MeasurementAbandoned extends Error {}

/** the event loop's turn between units (status, Stop); a measurement is given up as soon as `stopRequested()` */
function pauseUnless(stopRequested: () => boolean): () => Promise<void> {
  return async () => {
    await yieldToEventLoop();
    if (stopRequested()) throw new MeasurementAbandoned('stop requested during a stability measurement');
  };
}

export class StabilityTracker {
  private readonly images: tf.Tensor4D;
  private readonly labels: tf.Tensor1D;
  private readonly crossed = new Set<string>();
  /** each unit's last power-iteration vector, for the warm start */
  private readonly vectors = new Map<string, tf.Tensor>();
  readonly path: string;
  /** wall time spent measuring, for the overhead figure */
  spentMs = 0;

  constructor(private readonly options: TrackerOptions) {
    if (!Number.isSafeInteger(options.every) || options.every < 1) throw new Error(`the stability interval must be a whole number ≥ 1, got ${options.every}`);
    this.images = tf.clone(options.images);
    this.labels = tf.clone(options.labels);
    this.path = join(options.outDir, STABILITY_FILE);
    if (options.fresh) writeFileSync(this.path, '');
  }

  /**
   * Measures when the step is due, yielding to the event loop between units; returns the record written, if any.
   * A Stop during the measurement (`stopRequested()`) drops it: nothing is written, the weights are as found.
   */
  async afterStep(step: number, epoch: number, stopRequested: () => boolean = () => false): Promise<StabilityRecord | undefined> {
    if (step % this.options.every !== 0) return undefined;
    let record: StabilityRecord;
    try {
      record = await this.measure(step, epoch, pauseUnless(stopRequested));
    } catch (error) {
      if (error instanceof MeasurementAbandoned) return undefined;
      throw error;
    }
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    for (const block of record.blocks) {
      const worst = Math.max(block.oneBlockMaxAbs ?? 0, block.chainMaxAbs ?? 0);
      const over = Number.isNaN(worst) || worst > this.options.threshold;
      if (!over || this.crossed.has(block.id)) continue;
      this.crossed.add(block.id);
      this.options.onCrossing(
        `stability: ${block.id} crossed the error threshold ${this.options.threshold} at step ${step} (max |Δ| ${worst.toExponential(2)}, chain ‖Δ‖/‖x‖ ${block.chainRelL2.toExponential(2)})`,
        block.id,
        step,
      );
    }
    return record;
  }

  async measure(step: number, epoch: number, pause: () => Promise<void> = yieldToEventLoop): Promise<StabilityRecord> {
    const started = performance.now();
    const { network } = this.options;
    const activations = await runWithPauses(ForwardActivations.build(network, this.images, true), pause);
    const blocks: StabilityRecord['blocks'] = [];
    let worstInverse: StabilityRecord['worstInverseLipschitz'];
    try {
      const errors = await runWithPauses(measureBlockErrorsSteps(activations), pause);
      for (const e of errors) {
        await pause();
        const norm = e.inputNorm === 0 ? 1 : e.inputNorm;
        const step = activations.steps[e.index] as Extract<TrunkStep, { kind: 'reversible' }>;
        const warm = this.options.warmStart !== false ? this.vectors.get(e.id) : undefined;
        const estimate = await runWithPauses(largestSingularValueSteps((y) => reversibleInverse(activations.ctx, step, y as tf.Tensor4D), activations.outputOf(e.index), {
          maxIterations: warm !== undefined ? WARM_ITERATIONS : TRACKING_ITERATIONS,
          tolerance: 1e-2,
          jvp: this.options.jvp ?? 'finite-difference',
          keepVector: this.options.warmStart !== false,
          ...(warm !== undefined ? { start: warm } : {}),
        }), pause);
        if (estimate.vector !== undefined) {
          warm?.dispose();
          this.vectors.set(e.id, estimate.vector);
        }
        const inverse = estimate.value;
        if (worstInverse === undefined || !(inverse <= worstInverse.value)) worstInverse = { id: e.id, value: inverse };
        blocks.push({ id: e.id, oneBlockRelL2: e.oneBlock / norm, chainRelL2: e.chain / norm, oneBlockMaxAbs: e.oneBlockMaxAbs, chainMaxAbs: e.chainMaxAbs, inverseLipschitz: inverse });
      }
    } finally {
      activations.dispose();
    }
    // both backward passes move the running statistics: put them back
    await pause();
    const snapshot = snapshotWeights(network);
    let agreement: StabilityRecord['gradientAgreement'];
    try {
      const standard = await hostGradientsYielding(network, this.images, this.labels, 'standard', pause);
      const reversible = await hostGradientsYielding(network, this.images, this.labels, 'reversible', pause);
      const names = [...standard.keys()];
      agreement = vectorAgreement(
        names.map((n) => standard.get(n) as Float32Array),
        names.map((n) => reversible.get(n) as Float32Array),
      );
    } finally {
      snapshot.restore();
    }
    const elapsedMs = performance.now() - started;
    this.spentMs += elapsedMs;
    const record: StabilityRecord = { step, epoch, blocks, gradientAgreement: agreement, elapsedMs };
    if (worstInverse !== undefined) record.worstInverseLipschitz = worstInverse;
    return record;
  }

  dispose(): void {
    tf.dispose([this.images, this.labels, ...this.vectors.values()]);
    this.vectors.clear();
  }
}
