// EngineOperations.inspect: per-block reconstruction error, gradient fidelity and memory, and the model's
// measured peak bytes, step times and memory timeline, on one batch. The model is left exactly as found
// (weights and BatchNorm running statistics restored bit for bit), and so is tf.memory().numTensors.
import * as tf from '@tensorflow/tfjs-core';
import type { DataSpec, InspectParams } from '../../protocol/engineApi';
import type { BlockStats, InspectReport, ReconstructionMode, ReconstructionStats } from '../../protocol/inspectReport';
import { SETTING_DEFAULTS } from '../../shared/settingDefaults';
import type { StabilityParams, StabilityReport } from '../../protocol/stabilityReport';
import { stepParamNames } from '../backprop';
import { checkModelFits, inspectionEstimate } from '../limits/estimates';
import { checkMemoryLimit, resolveMemoryLimit } from '../limits/memoryLimit';
import { analyzeModel } from '../model/analysis';
import { isUnit } from '../model/architecture';
import { architectureOf } from '../model/network';
import { defaultWeightsPath } from '../model/saveLoad';
import type { CancelSignal } from '../util/cancelSignal';
import { measureStabilityYielding } from '../stability/measureStability';
import { depthSeries } from './depthSeries';
import { gradientStats, toHostGradients, type HostGradients } from './gradientFidelity';
import { hostBatch, loadInspectionDataYielding } from './inspectionData';
import { DEFAULT_RECONSTRUCTION_MODE, measureOneBlockYielding, measureReconstructionYielding, type PendingChain } from './reconstruction';
import { resolveModel, type ResolvedModel } from '../model/resolveModel';
import { profileStep } from './stepProfile';
import { timePairedSteps, type PairedTiming, type StepRunner, type TimingOptions } from './stepTiming';
import { startWarmPool } from './warmPool';
import { checkThreads, resolveThreads } from '../parallel/threadCount';
import { snapshotWeights } from './weightSnapshot';
import { yieldToEventLoop } from '../util/yieldToEventLoop';

export const DEFAULT_INSPECT_BATCH = SETTING_DEFAULTS['inspect.batchSize'];

export class InspectionCancelled extends Error {
  constructor() {
    super('inspection cancelled');
    this.name = 'InspectionCancelled';
  }
}

export interface InspectOptions {
  data?: DataSpec;
  batchSize?: number;
  /** seed of the random data and of the depth-series copies (default 0) */
  seed?: number;
  timing?: TimingOptions;
  /** BatchNorm mode of the reconstruction errors (default "training") */
  reconstructionMode?: ReconstructionMode;
  /** measure peaks on shallower copies of the model (default true) */
  depth?: boolean;
  /** refuse when the inspection's tensors would need more bytes (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
  /** called as each phase starts, e.g. for a progress line */
  onPhase?: (phase: string) => void;
  /** also measure the stability report (engine/stability) */
  stability?: StabilityParams;
  /** training threads of the timed steps (default 1 here; inspectModel passes the request's, 0: one per core) */
  threads?: number;
}

export async function inspectModel(params: InspectParams, cancel: CancelSignal): Promise<InspectReport> {
  const beforeBuild = checkModelFits(resolveMemoryLimit(params.memoryLimitBytes), 'inspecting');
  const resolved = await resolveModel(params.model, params.seed !== undefined ? { seed: params.seed, beforeBuild } : { beforeBuild });
  try {
    const options: InspectOptions = {};
    if (params.data !== undefined) options.data = params.data;
    if (params.batchSize !== undefined) options.batchSize = params.batchSize;
    if (params.seed !== undefined) options.seed = params.seed;
    if (params.reconstructionMode !== undefined) options.reconstructionMode = params.reconstructionMode;
    if (params.memoryLimitBytes !== undefined) options.memoryLimitBytes = params.memoryLimitBytes;
    if (params.stability !== undefined) options.stability = params.stability;
    options.threads = checkThreads(params.threads);
    return await inspectResolved(resolved, options, cancel);
  } finally {
    resolved.network.dispose();
  }
}

/** inspects a network the caller owns (and keeps) */
export async function inspectResolved(resolved: ResolvedModel, options: InspectOptions, cancel: CancelSignal): Promise<InspectReport> {
  const { network, config } = resolved;
  const batchSize = options.batchSize ?? DEFAULT_INSPECT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const seed = options.seed ?? 0;
  // a string, not the union: callers over JSON-RPC or the CLI may send anything
  const reconstructionMode: string = options.reconstructionMode ?? DEFAULT_RECONSTRUCTION_MODE;
  if (reconstructionMode !== 'training' && reconstructionMode !== 'inference') {
    throw new Error(`reconstruction mode must be "training" or "inference", got ${JSON.stringify(reconstructionMode)}`);
  }
  // yielding first lets a cancel (or a signal) arrive in time: between the chunks of a long load, between blocks
  // inside the phases, and before each phase
  const checkCancel = async (): Promise<void> => {
    await yieldToEventLoop();
    if (cancel.cancelled) throw new InspectionCancelled();
  };
  const phase = async (name: string): Promise<void> => {
    await checkCancel();
    options.onPhase?.(name);
  };

  await phase('data');
  const data = await loadInspectionDataYielding(config, options.data, checkCancel, seed, batchSize, options.memoryLimitBytes);
  const batch = hostBatch(data, 0, batchSize);
  const limit = resolveMemoryLimit(options.memoryLimitBytes);
  const what = `inspecting model "${config.name}" (both backprop modes${options.depth !== false ? ' and the depth series' : ''}, batch ${batch.count})`;
  checkMemoryLimit(inspectionEstimate(config, batch.count, options.depth !== false), limit, what);
  const { height, width, channels } = config.input;
  const images = tf.tensor4d(batch.images, [batch.count, height, width, channels]);
  const labels = tf.tensor1d(batch.labels, 'int32');
  const snapshot = snapshotWeights(network);
  // training threads time the steps a training run would take (engine/parallel); the rest stays in this thread
  const threads = resolveThreads(options.threads ?? 1, tf.getBackend(), batch.count);
  const warmPool = threads > 1 ? startWarmPool(network, threads, tf.getBackend(), images, labels) : undefined;
  try {
    // inference mode reads the running statistics: measure before any training step moves them
    await phase('reconstruction');
    // training mode: the chain errors come from the profiled reversible step below (its onRebuilt), which is the
    // reversible backward pass they measure, instead of from a step of their own
    let pendingChain: PendingChain | undefined;
    let reconstruction: Map<string, ReconstructionStats> | undefined;
    if (reconstructionMode === 'training') pendingChain = await measureOneBlockYielding(network, images, checkCancel);
    else reconstruction = await measureReconstructionYielding(network, images, labels, reconstructionMode, checkCancel);
    let stability: StabilityReport | undefined;
    if (options.stability !== undefined) {
      await phase('stability');
      stability = await measureStabilityYielding(network, images, reconstructionMode, { ...options.stability, seed }, checkCancel);
    }
    // one step per mode gives both its gradients (for the comparison) and its memory profile. Each runs whole: a
    // pause inside a profiled step would let another request's kernels (an invert, a training step) into its
    // memory timeline
    await phase('gradients and memory: standard step');
    let standardGrads: HostGradients = new Map();
    const standardProfile = await profileStep(network, images, labels, 'standard', (grads) => (standardGrads = toHostGradients(grads)));
    await phase(pendingChain !== undefined ? 'gradients, memory and chain reconstruction: reversible step' : 'gradients and memory: reversible step');
    let reversibleGrads: HostGradients = new Map();
    const reversibleProfile = await profileStep(network, images, labels, 'reversible', (grads) => (reversibleGrads = toHostGradients(grads)), pendingChain?.onRebuilt);
    if (pendingChain !== undefined) reconstruction = pendingChain.finish();
    // memory only, so measured while the training threads warm up: the timing phase then has every core to itself
    const own = { standardPeakBytes: standardProfile.peakBytes, reversiblePeakBytes: reversibleProfile.peakBytes };
    let depth: InspectReport['memory']['depth'] = [];
    if (options.depth !== false) {
      await phase('depth');
      depth = await depthSeries(config, images, labels, own, seed, cancel);
    }
    await phase('timing');
    let paired: PairedTiming;
    try {
      const pool = await warmPool?.ready;
      const runner: StepRunner | undefined = pool && ((net, x, y, mode) => pool.step(net, x, y, mode));
      // the gradient and profile steps above were the warm-up in this thread; the workers warmed up on their own
      paired = await timePairedSteps(network, images, labels, { warmUp: 0, ...options.timing }, () => phase('timing'), runner, checkCancel);
    } finally {
      await warmPool?.dispose();
    }
    const standardTime = paired.standard;
    const reversibleTime = paired.reversible;
    await phase('report');

    const analysis = analyzeModel(config, batch.count);
    const steps = new Map(architectureOf(network).steps.filter(isUnit).map((step) => [step.id, step]));
    const blocks: BlockStats[] = [];
    for (const unit of analysis.units) {
      const step = steps.get(unit.id);
      if (step === undefined) throw new Error(`the network has no unit ${unit.id}`);
      blocks.push({
        id: unit.id,
        stage: unit.stage,
        unit: unit.unit,
        kind: unit.kind,
        residual: unit.residual,
        inputShape: unit.inputShape,
        outputShape: unit.outputShape,
        params: unit.params,
        flops: unit.flops,
        reconstruction: reconstruction?.get(step.id) ?? null,
        gradient: gradientStats(stepParamNames(step), standardGrads, reversibleGrads),
        memory: { storedBytes: unit.storedBytes, reversibleBytes: unit.reversibleBytes },
      });
    }

    const model: InspectReport['model'] = {
      name: config.name,
      params: analysis.totals.params,
      flops: analysis.totals.flops,
      invertibleParts: analysis.invertibleParts,
      trunkInvertible: analysis.trunkInvertible,
      input: { ...config.input },
      classes: config.classes,
    };
    if (resolved.configPath !== undefined) model.configPath = resolved.configPath;
    if (resolved.weightsPath !== undefined) model.weightsPath = resolved.weightsPath;
    if (resolved.preset !== undefined) model.preset = resolved.preset;
    const imported = config.imported;
    // the record describes the weights beside the config, not another file given with --weights
    if (imported !== undefined && resolved.configPath !== undefined && resolved.weightsPath === defaultWeightsPath(resolved.configPath)) {
      model.imported = { source: imported.source, verified: imported.verified };
      if (imported.maxAbsDifference !== undefined) model.imported.maxAbsDifference = imported.maxAbsDifference;
      if (imported.tolerance !== undefined) model.imported.tolerance = imported.tolerance;
    }
    const training = config.training;
    if (training !== undefined) {
      model.lastTraining = { epochs: training.epochs };
      if (training.testAccuracy !== undefined) model.lastTraining.testAccuracy = training.testAccuracy;
      if (training.finalLoss !== undefined) model.lastTraining.finalLoss = training.finalLoss;
      if (training.finishedAt !== undefined) model.lastTraining.finishedAt = training.finishedAt;
    }

    return {
      model,
      backend: tf.getBackend(),
      batchSize: batch.count,
      data: batch.description,
      reconstructionMode,
      blocks,
      memory: {
        ...own,
        storedBytesTotal: blocks.reduce((sum, block) => sum + block.memory.storedBytes, 0),
        reversibleBytesTotal: blocks.reduce((sum, block) => sum + block.memory.reversibleBytes, 0),
        depth,
      },
      timing: {
        standardStepMs: standardTime.medianMs,
        reversibleStepMs: reversibleTime.medianMs,
        recomputeRatio: { median: paired.ratio.median, min: paired.ratio.min, max: paired.ratio.max, repeats: paired.ratio.samples.length },
        threads,
      },
      timeline: { standard: standardProfile.timeline, reversible: reversibleProfile.timeline },
      ...(stability !== undefined ? { stability } : {}),
      createdAt: new Date().toISOString(),
    };
  } finally {
    await warmPool?.dispose();
    snapshot.restore();
    tf.dispose([images, labels]);
  }
}
