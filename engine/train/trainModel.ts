// EngineOperations.train: sets up a run (model, data, optimiser, or a checkpoint to resume), runs it,
// and writes the final model `NAME.revnet.json` + `NAME.safetensors` into the output folder.
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { DataSpec, ModelRef, ProgressEvent, TrainParams, TrainResult } from '../../protocol/engineApi';
import { checkDatasetFitsModel, computeNormalization, loadDatasetYielding, resolveDataSpec, type Dataset, type Normalization } from '../data';
import { OperationCancelled, stopPoint } from '../operations/stopPoint';
import type { LoadOptions } from '../data/types';
import type { RevNetConfig, TrainingMetadata } from '../model/config';
import { loadConfig } from '../model/loadConfig';
import { CONFIG_SUFFIX, readWeights, saveModel, WEIGHTS_SUFFIX, type ModelMetadata } from '../model/saveLoad';
import { removeStaleTemporaries } from '../io/atomicWrite';
import { lockOutputFolder, type RunLock } from './runLock';
import { buildNetwork, networkFromTensors, type RevNet } from '../model/network';
import { presetConfig } from '../model/presets';
import { withDefaults } from '../model/validateConfig';
import type { CancelSignal } from '../util/cancelSignal';
import { trainingEstimate } from '../limits/estimates';
import { checkMemoryLimit, resolveMemoryLimit } from '../limits/memoryLimit';
import { checkpointModelPaths, hasCheckpoint, readCheckpoint, type TrainingState } from './checkpoint';
import { createOptimizer, type Optimizer } from './optimizers';
import { resolveOptions, type TrainOptions } from './options';
import { checkAugmentation, describeAugmentation } from './augment';
import { RunHistoryWriter } from './runHistoryWriter';
import { learningRateAt } from './schedule';
import { initialState, runTraining, type RunOutcome } from './trainingRun';
import { batchPlan, identityOrder, makeBatch } from './batches';
import { defaultTrackingInterval, StabilityTracker, TRACKING_BATCH } from '../stability/tracking';
import type { Network, StepGradients, TrainMode } from '../model/network.types';
import { ParallelStep } from '../parallel/parallelStep';
import { checkThreads, resolveThreads } from '../parallel/threadCount';
import { addStabilityRegularizer } from '../stability/regularizer';
import { computeGradientsYielding } from '../backprop';
import { yieldToEventLoop } from '../util/yieldToEventLoop';

/** What a run starts from: a network, an optimiser with its state, a position, and the data's normalisation. */
interface RunStart {
  network: RevNet;
  optimizer: Optimizer;
  options: TrainOptions;
  state: TrainingState;
  normalization: Normalization | undefined;
  data: DataSpec;
  /** stability tracking interval in steps (0: off; undefined: a few times per epoch) and its threshold */
  stabilityEvery?: number;
  stabilityThreshold?: number;
  /** training threads as asked (0: one per core) */
  threads?: number;
}

export function describeData(spec: DataSpec): string {
  switch (spec.kind) {
    case 'default': return 'default';
    case 'mnist': return 'mnist';
    case 'random': return `random(count=${spec.count}, seed=${spec.seed ?? 0})`;
    case 'idx':
    case 'npy': return `${spec.kind}(${spec.images})`;
    case 'cifar10':
    case 'cifar100': return `${spec.kind}(${spec.files.join(', ')})`;
  }
}

/** A file-system-safe base name for the model files. */
export function modelFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return cleaned === '' ? 'model' : cleaned;
}

async function modelConfig(ref: ModelRef): Promise<RevNetConfig> {
  if ('preset' in ref) return withDefaults(presetConfig(ref.preset));
  return loadConfig(ref.configPath);
}

/** refuses a run whose training step would exceed the memory limit, before its network is built */
function checkTrainingMemory(config: RevNetConfig, options: TrainOptions, memoryLimitBytes: number | undefined): void {
  const what = `training model "${config.name}" (${options.mode} backprop, batch ${options.batchSize}, ${options.optimizer})`;
  checkMemoryLimit(trainingEstimate(config, options.batchSize, options.mode, options), resolveMemoryLimit(memoryLimitBytes), what);
}

async function freshStart(params: TrainParams): Promise<RunStart> {
  const options = resolveOptions(params);
  const config = await modelConfig(params.model);
  if (options.augment !== undefined) checkAugmentation(options.augment, config.input.height, config.input.width);
  checkTrainingMemory(config, options, params.memoryLimitBytes);
  let network: RevNet;
  if (params.initWeights !== undefined) {
    network = networkFromTensors(config, readWeights(config, params.initWeights).tensors, params.initWeights);
  } else if ('configPath' in params.model && params.model.weightsPath !== undefined) {
    network = networkFromTensors(config, readWeights(config, params.model.weightsPath).tensors, params.model.weightsPath);
  } else {
    network = buildNetwork(config, options.seed);
  }
  const optimizer = createOptimizer(options);
  // `default` is resolved here, once, so the checkpoint and the model's metadata name the data really used
  const data = resolveDataSpec(params.data, config.input, options.seed, 512);
  return { network, optimizer, options, state: initialState(options, data), normalization: config.normalization, data };
}

/** Continues from a checkpoint: its options, except epochs and steps, which the caller may raise. */
function resumeStart(params: TrainParams, folder: string): RunStart {
  const checkpoint = readCheckpoint(folder);
  const options = { ...(checkpoint.state.options as unknown as TrainOptions) };
  if (params.epochs > 0) options.epochs = params.epochs;
  if (params.steps !== undefined) options.steps = params.steps;
  try {
    checkTrainingMemory(checkpoint.config, options, params.memoryLimitBytes);
  } catch (error) {
    checkpoint.network.dispose();
    throw error;
  }
  const optimizer = createOptimizer(options);
  try {
    optimizer.loadState(checkpoint.optimizer, checkpoint.network.weights.params);
  } catch (error) {
    checkpoint.network.dispose();
    optimizer.dispose();
    throw new Error(`${checkpoint.folder}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const state = { ...checkpoint.state, finished: false };
  return { network: checkpoint.network, optimizer, options, state, normalization: checkpoint.config.normalization, data: checkpoint.state.data as DataSpec };
}

let runCounter = 0;

const LOADING_DATA = 'loading the training data';

/** the stability tracker of a run (engine/stability/tracking.ts), on the first examples of the test split; undefined when off */
function startTracking(start: RunStart, dataset: Dataset, normalization: Normalization, outDir: string): StabilityTracker | undefined {
  const { stepsPerEpoch } = batchPlan(dataset.train.count, start.options.batchSize);
  const every = start.stabilityEvery ?? defaultTrackingInterval(stepsPerEpoch);
  if (every === 0) return undefined;
  const shape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
  const split = dataset.test.count > 0 ? dataset.test : dataset.train;
  const probe = makeBatch(split, shape, normalization, identityOrder(split.count), 0, Math.min(TRACKING_BATCH, split.count));
  try {
    return new StabilityTracker({
      network: start.network,
      images: probe.images,
      labels: probe.labels,
      outDir,
      every,
      threshold: start.stabilityThreshold ?? 1e-4,
      fresh: start.state.step === 0,
      // the engine server forwards console.warn to the extension (a warning there), the CLI prints it on stderr
      onCrossing: (message) => console.warn(message),
    });
  } finally {
    tf.dispose([probe.images, probe.labels]);
  }
}

type StepFunction = (network: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode) => Promise<StepGradients>;

/**
 * A step's gradients when they are not the training loop's own: on the training threads, and/or plus λ·∇R with
 * --stability-reg (R in this thread on the whole batch, each step's perturbations seeded by the run's seed and step).
 */
function stepGradients(options: TrainOptions, firstStep: number, parallel: ParallelStep | undefined): { computeGradients?: StepFunction } {
  const onThreads: StepFunction | undefined = parallel && ((network, images, labels, mode) => parallel.step(network, images, labels, mode));
  const lambda = options.stabilityReg;
  if (lambda === undefined || lambda === 0) return onThreads === undefined ? {} : { computeGradients: onThreads };
  const gradients: StepFunction = onThreads ?? ((network, images, labels, mode) => computeGradientsYielding(network, images, labels, mode, yieldToEventLoop));
  let call = 0;
  return {
    computeGradients: async (network, images, labels, mode) =>
      addStabilityRegularizer(await gradients(network, images, labels, mode), network, images, lambda, (options.seed * 1_000_003 + firstStep + call++) >>> 0),
  };
}

/** What trainModel reads from outside; tests replace the data loader to train on small in-memory sets. */
export interface TrainDependencies {
  loadData: (spec: DataSpec, options: LoadOptions, cancel: CancelSignal) => Dataset | Promise<Dataset>;
}

/** a long load checks the cancel between its chunks (Stop, Ctrl-C): a stop there ends the run as stopped */
export const defaultTrainDependencies: TrainDependencies = {
  loadData: (spec, options, stop) => loadDatasetYielding(spec, options, () => stopPoint(stop, LOADING_DATA)),
};

export async function trainModel(
  params: TrainParams,
  onProgress: (event: ProgressEvent) => void,
  cancel: CancelSignal,
  dependencies: TrainDependencies = defaultTrainDependencies,
): Promise<TrainResult> {
  const outDir = resolve(params.outDir);
  const resumeFolder = params.resumeFrom !== undefined ? resolve(params.resumeFrom) : params.resume ? outDir : undefined;
  const created = !existsSync(outDir);
  mkdirSync(outDir, { recursive: true });
  const lock = lockOutputFolder(outDir);
  try {
    removeStaleTemporaries(outDir);
    refuseToReplace(outDir, resumeFolder, params);
    const result = await trainLocked(params, outDir, resumeFolder, onProgress, cancel, dependencies);
    if (result.status === 'cancelled' && result.weightsPath === '') removeIfEmpty(lock, created, outDir);
    return result;
  } catch (error) {
    removeIfEmpty(lock, created, outDir);
    throw error;
  } finally {
    lock.release();
  }
}

/** a run refused or stopped before it wrote anything leaves no empty folder behind */
function removeIfEmpty(lock: RunLock, created: boolean, outDir: string): void {
  lock.release();
  if (!created) return;
  try {
    rmdirSync(outDir);
  } catch {
    // not empty: something was written, it stays
  }
}

/** The result of a run stopped (Stop, Ctrl-C, SIGTERM) before its first step: nothing trained, nothing written. */
function stoppedBeforeTraining(start: RunStart, outDir: string, resumeFolder: string | undefined, phase: string): TrainResult {
  const result: TrainResult = { outDir, configPath: '', weightsPath: '', status: 'cancelled', epochs: start.state.epoch, steps: start.state.step };
  // a resumed run's checkpoint stays as it was; a fresh run has none yet
  const kept = resumeFolder === outDir ? checkpointModelPaths(outDir) : undefined;
  if (kept !== undefined) {
    result.configPath = kept.configPath;
    result.weightsPath = kept.weightsPath;
    result.message = `stopped while ${phase}; the checkpoint at step ${start.state.step} is unchanged`;
  } else {
    result.message = `stopped while ${phase}; nothing was trained and no checkpoint was written`;
  }
  return result;
}

/** The files in outDir a new run would replace, unless the user asked for it (--force / the extension's question). */
function refuseToReplace(outDir: string, resumeFolder: string | undefined, params: TrainParams): void {
  if (params.force === true || resumeFolder === outDir) return;
  const hint = resumeFolder === undefined ? `continue it with --resume ${params.outDir}, ` : '';
  if (hasCheckpoint(outDir)) {
    let finished = true;
    try {
      const existing = readCheckpoint(outDir);
      existing.network.dispose();
      finished = existing.state.finished;
    } catch {
      // a damaged checkpoint still belongs to someone: replacing it is asked for like any other
    }
    const what = finished ? 'the checkpoint of a finished run' : 'the checkpoint of an unfinished run';
    throw new Error(`${outDir} holds ${what}; ${finished ? '' : hint}choose another --out, or add --force to replace it`);
  }
  const models = existingModelFiles(outDir);
  if (models.length > 0) {
    throw new Error(`${outDir} holds a model (${models.join(', ')}); choose another --out, or add --force to replace it`);
  }
}

function existingModelFiles(outDir: string): string[] {
  try {
    return readdirSync(outDir).filter((name) => name.endsWith(CONFIG_SUFFIX) || name.endsWith(WEIGHTS_SUFFIX));
  } catch {
    return [];
  }
}

async function trainLocked(
  params: TrainParams,
  outDir: string,
  resumeFolder: string | undefined,
  onProgress: (event: ProgressEvent) => void,
  cancel: CancelSignal,
  dependencies: TrainDependencies,
): Promise<TrainResult> {
  const start = resumeFolder !== undefined ? resumeStart(params, resumeFolder) : await freshStart(params);
  if (params.stabilityEvery !== undefined) {
    if (!Number.isSafeInteger(params.stabilityEvery) || params.stabilityEvery < 0) {
      start.network.dispose();
      start.optimizer.dispose();
      throw new Error(`stability-every must be a whole number ≥ 0, got ${params.stabilityEvery}`);
    }
    start.stabilityEvery = params.stabilityEvery;
  }
  if (params.stabilityThreshold !== undefined) start.stabilityThreshold = params.stabilityThreshold;
  try {
    start.threads = checkThreads(params.threads);
  } catch (error) {
    start.network.dispose();
    start.optimizer.dispose();
    throw error;
  }
  try {
    const loadOptions: LoadOptions = {};
    if (params.memoryLimitBytes !== undefined) loadOptions.memoryLimitBytes = params.memoryLimitBytes;
    if (start.data.kind === 'random') {
      // random images have no shape of their own: the model's (as inspect's random data)
      loadOptions.shape = start.network.config.input;
      loadOptions.classes = start.network.config.classes;
    }
    let dataset: Dataset;
    try {
      dataset = await dependencies.loadData(start.data, loadOptions, cancel);
    } catch (error) {
      if (error instanceof OperationCancelled && cancel.cancelled) return stoppedBeforeTraining(start, outDir, resumeFolder, LOADING_DATA);
      throw error;
    }
    checkDatasetFitsModel(dataset, start.network.config);
    const normalization = start.normalization ?? computeNormalization(dataset.train, dataset.channels);
    if (![...normalization.mean, ...normalization.std].every(Number.isFinite) || normalization.std.some((s) => s <= 0)) {
      throw new Error(`${dataset.name}: the per-channel normalisation is not finite (mean ${normalization.mean.join(', ')}, std ${normalization.std.join(', ')})`);
    }
    return await trainOn(start, dataset, normalization, outDir, onProgress, cancel);
  } finally {
    start.network.dispose();
    start.optimizer.dispose();
  }
}

async function trainOn(
  start: RunStart,
  dataset: Dataset,
  normalization: Normalization,
  outDir: string,
  onProgress: (event: ProgressEvent) => void,
  cancel: CancelSignal,
): Promise<TrainResult> {
  mkdirSync(outDir, { recursive: true });
  const { network, optimizer, options } = start;
  const backend = tf.getBackend();
  const metadata = (state: TrainingState): ModelMetadata => {
    const training: TrainingMetadata = {
      data: describeData(start.data),
      epochs: state.epoch,
      steps: state.step,
      batchSize: options.batchSize,
      optimizer: optimizer.describe(),
      mode: options.mode,
      seed: options.seed,
      backend,
    };
    if (options.augment !== undefined) training.augment = describeAugmentation(options.augment);
    const last = state.history.at(-1);
    if (last?.testAccuracy !== undefined) training.testAccuracy = last.testAccuracy;
    if (last !== undefined && Number.isFinite(last.loss)) training.finalLoss = last.loss;
    return { normalization, training };
  };
  const runId = `train-${process.pid}-${++runCounter}`;
  const history = new RunHistoryWriter(outDir);
  history.start({
    runId,
    resumed: start.state.step > 0,
    model: network.config.name,
    data: describeData(start.data),
    optimizer: optimizer.describe(),
    batchSize: options.batchSize,
    epochs: options.epochs,
    backend,
  });
  const schedule = { base: options.learningRate, drops: options.lrDrops, factor: options.lrFactor };
  const tracker = startTracking(start, dataset, normalization, outDir);
  const threads = resolveThreads(start.threads, backend, batchPlan(dataset.train.count, options.batchSize).batchSize);
  let outcome: RunOutcome;
  let pool: ParallelStep | undefined;
  try {
    if (threads > 1) pool = await ParallelStep.start(network, threads, backend);
    const parallel = pool;
    outcome = await runTraining({
    network,
    optimizer,
    dataset,
    normalization,
    options,
    state: start.state,
    outDir,
    runId,
    backend,
    metadata,
    onProgress: (event) => {
      history.progress(event, learningRateAt(schedule, Math.min(event.epoch, Math.max(0, event.epochs - 1))));
      onProgress(event);
    },
    cancel,
    ...(tracker !== undefined ? { afterStep: (step: number, epoch: number) => tracker.afterStep(step, epoch, () => cancel.cancelled) } : {}),
    ...stepGradients(options, start.state.step, parallel),
    ...(parallel !== undefined ? { predict: (images: tf.Tensor4D) => parallel.predict(network, images) } : {}),
  });
  } finally {
    tracker?.dispose();
    await pool?.dispose();
  }
  const result: TrainResult = {
    outDir,
    configPath: '',
    weightsPath: '',
    status: outcome.status,
    epochs: outcome.state.epoch,
    steps: outcome.state.step,
    threads,
  };
  if (outcome.testAccuracy !== undefined) result.testAccuracy = outcome.testAccuracy;
  if (outcome.finalLoss !== undefined) result.finalLoss = outcome.finalLoss;
  if (outcome.message !== undefined) result.message = outcome.message;
  history.end(runId, result);
  if (outcome.status === 'finished') {
    const final = metadata(outcome.state);
    if (final.training !== undefined) {
      final.training.finishedAt = new Date().toISOString();
      if (outcome.testAccuracy !== undefined) final.training.testAccuracy = outcome.testAccuracy;
    }
    const paths = await saveModel(outDir, modelFileName(network.config.name), network, final);
    result.configPath = paths.configPath;
    result.weightsPath = paths.weightsPath;
  } else {
    const paths = checkpointModelPaths(outDir);
    if (paths !== undefined) {
      result.configPath = paths.configPath;
      result.weightsPath = paths.weightsPath;
    }
  }
  return result;
}
