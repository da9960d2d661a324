// The training loop proper, on a network, an optimiser and a data set already in memory:
// seeded shuffling, one optimiser step per batch, progress events, an evaluation after every epoch,
// checkpoints (after every epoch, every N steps if asked, and on cancel), cancellation between steps
// (the loop yields to the event loop before each step, so that Ctrl-C and a JSON-RPC cancel are seen at once),
// and a stop with the first non-finite block named when the loss turns NaN or infinite.
import * as tf from '@tensorflow/tfjs-core';
import type { ProgressEvent } from '../../protocol/engineApi';
import type { StabilityRecord } from '../../protocol/stabilityReport';
import { computeGradientsYielding } from '../backprop';
import type { Normalization } from '../data/normalization';
import type { Dataset } from '../data/types';
import type { ModelMetadata } from '../model/saveLoad';
import type { ComputeGradients, Network, StepGradients } from '../model/network.types';
import type { CancelSignal } from '../util/cancelSignal';
import { SeededRandom } from '../util/random';
import { yieldToEventLoop } from '../util/yieldToEventLoop';
import { augmentationRandom } from './augment';
import { batchPlan, identityOrder, makeBatch } from './batches';
import { writeCheckpoint, type TrainingState } from './checkpoint';
import { describeNonFinite, findNonFinite, firstNonFiniteWeight } from './divergence';
import { evaluateAccuracy, type Predictor } from './evaluate';
import type { Optimizer } from './optimizers';
import type { TrainOptions } from './options';
import { learningRateAt } from './schedule';

export interface TrainingRun {
  network: Network;
  optimizer: Optimizer;
  dataset: Dataset;
  normalization: Normalization;
  options: TrainOptions;
  /** where to start: a fresh state or a checkpoint's */
  state: TrainingState;
  outDir: string;
  runId: string;
  backend: string;
  /** normalisation and training metadata for the model files, at a given position */
  metadata: (state: TrainingState) => ModelMetadata;
  onProgress: (event: ProgressEvent) => void;
  cancel: CancelSignal;
  /** replaceable in tests; data-parallel runs (engine/parallel) give one that answers asynchronously */
  computeGradients?: ComputeGradients | ((...args: Parameters<ComputeGradients>) => Promise<StepGradients>);
  /** after every step, with the steps done and the epoch: stability tracking, whose record goes with the step's event */
  afterStep?: (step: number, epoch: number) => Promise<StabilityRecord | undefined>;
  /** the test split's logits, when not the network's own predict in this thread (the training threads) */
  predict?: Predictor;
}

export interface RunOutcome {
  status: 'finished' | 'cancelled' | 'diverged';
  state: TrainingState;
  message?: string;
  testAccuracy?: number;
  finalLoss?: number;
}

/** A fresh state for a run from the start. */
export function initialState(options: TrainOptions, data: unknown): TrainingState {
  return {
    epoch: 0,
    stepInEpoch: 0,
    step: 0,
    // its own stream, so the shuffles do not depend on how many numbers the initialisation drew
    shuffleStateAtEpochStart: new SeededRandom(options.seed ^ 0x5eed5eed).getState(),
    learningRate: learningRateAt({ base: options.learningRate, drops: options.lrDrops, factor: options.lrFactor }, 0),
    seed: options.seed,
    data,
    options: { ...options },
    optimizerScalars: {},
    history: [],
    finished: false,
    epochTotals: { loss: 0, correct: 0, examples: 0 },
  };
}

/** the message of a run stopped by its cancel signal at a step boundary */
export function stoppedMessage(step: number, problem: string | undefined): string {
  return problem === undefined ? `stopped at step ${step} (checkpoint saved)` : `stopped at step ${step}; ${problem}`;
}

export function totalSteps(options: TrainOptions, stepsPerEpoch: number): number {
  return Math.min(options.steps ?? Number.POSITIVE_INFINITY, options.epochs * stepsPerEpoch);
}

export async function runTraining(run: TrainingRun): Promise<RunOutcome> {
  const { network, optimizer, dataset, normalization, options, outDir } = run;
  // the default yields between the trunk's steps too, so that status and Stop are answered inside a long step
  const custom = run.computeGradients;
  const computeGradients: (network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainOptions['mode']) => Promise<StepGradients> =
    custom === undefined ? (...args) => computeGradientsYielding(...args, yieldToEventLoop) : async (...args) => Promise.resolve(custom(...args));
  const shape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
  const { batchSize, stepsPerEpoch } = batchPlan(dataset.train.count, options.batchSize);
  const lastStep = totalSteps(options, stepsPerEpoch);
  const schedule = { base: options.learningRate, drops: options.lrDrops, factor: options.lrFactor };
  const state: TrainingState = structuredClone(run.state);
  state.options = { ...options };
  // a checkpoint written before epochTotals existed has none
  (state as Partial<TrainingState>).epochTotals ??= { loss: 0, correct: 0, examples: 0 };

  const checkpoint = async () => {
    const weight = firstNonFiniteWeight(network);
    if (weight !== undefined) return `the weights became non-finite (first: ${weight}); the checkpoint was not written`;
    state.learningRate = learningRateAt(schedule, state.epoch);
    await writeCheckpoint(outDir, network, run.metadata(state), optimizer.saveState(), state);
    return undefined;
  };
  const event = (kind: ProgressEvent['kind'], loss: number, accuracy: number, examplesPerSecond: number, testAccuracy?: number): ProgressEvent => {
    const e: ProgressEvent = {
      runId: run.runId,
      kind,
      epoch: state.epoch,
      epochs: options.epochs,
      step: state.step,
      stepsPerEpoch,
      loss,
      accuracy,
      examplesPerSecond,
      memoryBytes: tf.memory().numBytes,
      backend: run.backend,
    };
    if (testAccuracy !== undefined) e.testAccuracy = testAccuracy;
    return e;
  };

  let lastTestAccuracy: number | undefined = state.history.at(-1)?.testAccuracy;
  let lastLoss: number | undefined = state.history.at(-1)?.loss;
  if (state.step === 0) {
    // a checkpoint from the very start, so that a run killed or diverging in its first epoch still leaves one
    const problem = await checkpoint();
    if (problem !== undefined) return { status: 'diverged', state, message: `training did not start: ${problem}` };
  }
  const shuffler = SeededRandom.fromState(state.shuffleStateAtEpochStart);
  // a run stopped during an epoch's evaluation resumes with that epoch's steps done and evaluates it first
  while ((state.epoch < options.epochs && state.step < lastStep) || state.stepInEpoch >= stepsPerEpoch) {
    const order = options.shuffle ? shuffler.permutation(dataset.train.count) : identityOrder(dataset.train.count);
    const lr = learningRateAt(schedule, state.epoch);
    const started = performance.now();
    let examplesThisRun = 0;
    while (state.stepInEpoch < stepsPerEpoch && state.step < lastStep) {
      await yieldToEventLoop();
      if (run.cancel.cancelled) {
        const problem = await checkpoint();
        return { status: 'cancelled', state, message: stoppedMessage(state.step, problem) };
      }
      const augmentation = options.augment;
      const augment = augmentation && { augmentation, random: augmentationRandom(options.seed, state.step) };
      const batch = makeBatch(dataset.train, shape, normalization, order, state.stepInEpoch * batchSize, batchSize, augment);
      const gradients = await computeGradients(network, batch.images, batch.labels, options.mode);
      // the step's main-thread pieces (summing the threads' gradients, the update, the bookkeeping) are tens of
      // milliseconds each on a deep model: the event loop runs between them, not only between steps
      await yieldToEventLoop();
      const loss = (gradients.loss.dataSync() as Float32Array)[0];
      let failure: string | undefined;
      if (!Number.isFinite(loss)) {
        failure = `the loss became ${loss} at step ${state.step + 1} (epoch ${state.epoch + 1}); ${describeNonFinite(findNonFinite(network, batch.images))}`;
      }
      let correct = 0;
      if (failure === undefined) {
        correct = tf.tidy(() => (tf.sum(tf.cast(tf.equal(tf.argMax(gradients.logits, 1), batch.labels), 'int32')).dataSync() as Int32Array)[0]);
        optimizer.apply(network.weights.params, gradients.grads, lr);
        await yieldToEventLoop();
      }
      gradients.loss.dispose();
      gradients.logits.dispose();
      for (const g of gradients.grads.values()) g.dispose();
      batch.labels.dispose();
      if (failure !== undefined) {
        batch.images.dispose();
        return { status: 'diverged', state, message: `training stopped: ${failure}; the last good checkpoint stays in ${outDir}` };
      }
      batch.images.dispose();
      state.step += 1;
      state.stepInEpoch += 1;
      state.epochTotals.loss += loss * batchSize;
      state.epochTotals.correct += correct;
      state.epochTotals.examples += batchSize;
      examplesThisRun += batchSize;
      const seconds = (performance.now() - started) / 1000;
      const tracked = await run.afterStep?.(state.step, state.epoch);
      const stepEvent = event('step', loss, correct / batchSize, seconds > 0 ? examplesThisRun / seconds : 0);
      if (tracked !== undefined) stepEvent.stability = tracked;
      run.onProgress(stepEvent);
      if (options.checkpointEvery !== undefined && state.step % options.checkpointEvery === 0) {
        const problem = await checkpoint();
        if (problem !== undefined) return { status: 'diverged', state, message: `training stopped: ${problem}` };
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const epochDone = state.stepInEpoch >= stepsPerEpoch;
    const totals = state.epochTotals;
    const meanLoss = totals.examples > 0 ? totals.loss / totals.examples : Number.NaN;
    const meanAccuracy = totals.examples > 0 ? totals.correct / totals.examples : Number.NaN;
    const evaluated = await evaluateAccuracy(network, dataset.test, shape, normalization, run.cancel, run.predict && { predict: run.predict });
    if (evaluated === undefined) {
      // stopped during the evaluation: the position stays at the end of the epoch, evaluated again on resume
      const problem = await checkpoint();
      return { status: 'cancelled', state, message: stoppedMessage(state.step, problem) };
    }
    lastTestAccuracy = evaluated;
    lastLoss = meanLoss;
    // stopped by --steps inside an epoch: the position stays mid-epoch
    if (!epochDone) break;
    state.history.push({ epoch: state.epoch + 1, loss: meanLoss, accuracy: meanAccuracy, testAccuracy: lastTestAccuracy });
    run.onProgress(event('epoch', meanLoss, meanAccuracy, seconds > 0 ? examplesThisRun / seconds : 0, lastTestAccuracy));
    state.epoch += 1;
    state.stepInEpoch = 0;
    state.epochTotals = { loss: 0, correct: 0, examples: 0 };
    state.shuffleStateAtEpochStart = shuffler.getState();
    const problem = await checkpoint();
    if (problem !== undefined) return { status: 'diverged', state, message: `training stopped: ${problem}` };
  }
  state.finished = true;
  const problem = await checkpoint();
  if (problem !== undefined) return { status: 'diverged', state, message: `training stopped: ${problem}` };
  const outcome: RunOutcome = { status: 'finished', state };
  if (lastTestAccuracy !== undefined) outcome.testAccuracy = lastTestAccuracy;
  if (lastLoss !== undefined && Number.isFinite(lastLoss)) outcome.finalLoss = lastLoss;
  run.onProgress(event('done', lastLoss ?? Number.NaN, state.history.at(-1)?.accuracy ?? Number.NaN, 0, lastTestAccuracy));
  return outcome;
}
