// The requests and notifications between the extension (client) and the engine process (server),
// carried as JSON-RPC over the fork's IPC channel. Each message says who sends it and why.
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { InspectReport, ReconstructionMode } from './inspectReport';
import type { PlainTensor } from './tensor';
import type { StabilityParams, StabilityRecord } from './stabilityReport';

/** Which model: a config file (with optional weights) or a preset with fresh seeded weights. */
export type ModelRef =
  | { configPath: string; weightsPath?: string }
  | { preset: string; seed?: number };

/** Which data: the built-in MNIST digits, files in a named format, or `default`: the engine's rule
 *  (engine/data/defaultData.ts: the built-in digits for 28x28x1 models, else seeded random images). */
export type DataSpec =
  | { kind: 'default' }
  | { kind: 'mnist' }
  | { kind: 'idx'; images: string; labels: string; testImages?: string; testLabels?: string }
  | { kind: 'cifar10' | 'cifar100'; files: string[]; testFiles?: string[] }
  | { kind: 'npy'; images: string; labels: string; layout?: 'NHWC' | 'NCHW'; testImages?: string; testLabels?: string }
  | { kind: 'random'; count: number; seed?: number };

/** The TensorFlow.js backend the user asks for (the `revnet.backend` setting, the CLI's --backend). */
export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

export interface EngineInfo {
  backend: string;
  /** said once when the native backend could not be loaded, e.g. "@tensorflow/tfjs-node is not installed; using wasm" */
  backendNote?: string;
  nodeVersion: string;
  pid: number;
}

export interface LoadParams {
  model: ModelRef;
  /** refuse the request when the model's tensors would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
}
export interface ModelSummary {
  name: string;
  params: number;
  flops: number;
  invertibleParts: string[];
  trunkInvertible: boolean;
  blocks: { id: string; stage: number; unit: number; kind: 'reversible' | 'transition' }[];
  input: { height: number; width: number; channels: number };
  classes: number;
}

export interface TrainParams {
  model: ModelRef;
  data: DataSpec;
  epochs: number;
  batchSize: number;
  outDir: string;
  mode?: 'reversible' | 'standard';
  optimizer?: 'sgd' | 'adam';
  learningRate?: number;
  seed?: number;
  steps?: number;
  resume?: boolean;
  /** continue from this folder's checkpoint (an earlier run's outDir); `resume: true` alone means outDir's */
  resumeFrom?: string;
  /** replace a model or checkpoint already in outDir (otherwise such a run is refused) */
  force?: boolean;
  /** start from these weights (a .safetensors file for the model's config) instead of seeded ones */
  initWeights?: string;
  /** shuffle the training data every epoch (default true) */
  shuffle?: boolean;
  /** SGD momentum (default 0.9) */
  momentum?: number;
  /** L2 weight decay on conv and dense kernels (default: 1e-4 for sgd, 0 for adam) */
  weightDecay?: number;
  /** epochs after which the learning rate is multiplied by 0.1 */
  lrDrops?: number[];
  /** also write a checkpoint every N steps (default: only after every epoch and on cancel) */
  checkpointEvery?: number;
  /** stability tracking into RUN_DIR/stability.jsonl every N steps (default: 4 times per epoch; 0: off) */
  stabilityEvery?: number;
  /** max |Δ| above which tracking warns, once per block (default 1e-4, as revnet.errorThreshold) */
  stabilityThreshold?: number;
  /** λ of the bi-directional finite-difference bi-Lipschitz regularizer (docs/stability.md; default 0: off) */
  stabilityReg?: number;
  /** random shifts of the training images by up to `shift` pixels and, with `flip`, left-right mirroring (default: none) */
  augment?: { shift: number; flip: boolean };
  /** refuse the request when its tensors would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
  /** training threads, each running the step on a slice of the batch (default 0: one per core; 1: none) */
  threads?: number;
}
export interface TrainResult {
  outDir: string;
  configPath: string;
  weightsPath: string;
  /** "finished" | "cancelled" (a checkpoint was written) | "diverged" (the last good checkpoint stays) */
  status: 'finished' | 'cancelled' | 'diverged';
  epochs: number;
  steps: number;
  testAccuracy?: number;
  finalLoss?: number;
  message?: string;
  /** training threads the steps ran on (engine/parallel; 1: the engine's own thread) */
  threads?: number;
}

export interface InspectParams {
  model: ModelRef;
  data?: DataSpec;
  batchSize?: number;
  seed?: number;
  /** BatchNorm mode of the reconstruction errors (default "training": batch statistics, as the backward pass) */
  reconstructionMode?: ReconstructionMode;
  /** refuse the request when its tensors would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
  /** also measure Lipschitz constants, out-of-distribution and float64 reconstruction (InspectReport.stability) */
  stability?: StabilityParams;
  /** training threads of the timed steps (default 0: one per core; 1: none), as TrainParams.threads */
  threads?: number;
}

export interface InvertParams {
  model: ModelRef;
  inputPath: string;
  outputPath: string;
  /** replace outputPath when it exists (otherwise refused); the extension sets it only after asking */
  overwrite?: boolean;
  /** where the given tensor comes from: the whole trunk (default), the end of a stage ("stage2") or a block ("stage1.unit3") */
  from?: string;
  /** run inputs holding NaN or ±Infinity (otherwise refused); the result counts them */
  allowNonFinite?: boolean;
  /** multiplies every input value; required for an integer .npy (refused without it) */
  scale?: number;
  /** refuse the request when its tensors would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
}
export interface InvertResult {
  outputPath: string;
  shape: number[];
  /** how far back the inversion went, e.g. "image" or "stage2 input" */
  reachedInput: string;
  /** forward(inverted) against the given tensor: max |Δ| and relative L2 */
  roundTrip: { maxAbs: number; relL2: number };
  /** what the file held: a batch of outputs, or one image taken forward to the start first (then round trip is against its output) */
  given?: 'outputs' | 'image';
  /** how many input values were NaN or ±Infinity (only with allowNonFinite) */
  nonFiniteInputs?: number;
}

export interface ForwardParams {
  model: ModelRef;
  inputPath: string;
  outputPath: string;
  /** replace outputPath when it exists (otherwise refused); the extension sets it only after asking */
  overwrite?: boolean;
  logits?: boolean;
  /** run inputs holding NaN or ±Infinity (otherwise refused); the result counts them */
  allowNonFinite?: boolean;
  /** multiplies every input value; required for an integer .npy (refused without it) */
  scale?: number;
  /** refuse the request when its tensors would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
}
export interface ForwardResult {
  outputPath: string;
  shape: number[];
  /** how many input values were NaN or ±Infinity (only with allowNonFinite) */
  nonFiniteInputs?: number;
}

/** An edit applied to a trunk output before it is inverted (the panel's Invert view). */
export type OutputEdit =
  | { kind: 'zeroChannels'; channels: number[] }
  | { kind: 'scaleChannels'; channels: number[]; factor: number }
  | { kind: 'noise'; std: number; seed: number }
  | { kind: 'interpolate'; otherSample: number; t: number };

export interface ExploreParams {
  model: ModelRef;
  data?: DataSpec;
  /** a sample of the data, or a .npy file holding one image (HWC or 1HWC) */
  source: { sample: number } | { npyPath: string };
  edits: OutputEdit[];
  /** refuse the request when its tensors would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
}
export interface ExploreResult {
  input: PlainTensor;
  output: PlainTensor;
  edited: PlainTensor;
  inverted: PlainTensor;
  /** |input - inverted| per pixel (HWC) */
  difference: PlainTensor;
  maxAbs: number;
  relL2: number;
  label?: number;
  /** what the shown input is when it is not an image the user gave (e.g. the inversion of a given trunk output) */
  note?: string;
}

export interface SaveTensorParams { tensor: PlainTensor; path: string }

export interface ProgressEvent {
  runId: string;
  kind: 'step' | 'epoch' | 'done';
  /** 0-based epoch index = epochs finished before this event ('epoch' events: the epoch just finished) */
  epoch: number;
  epochs: number;
  /** steps done since the run began (global, not within the epoch; a resumed run goes on counting) */
  step: number;
  stepsPerEpoch: number;
  loss: number;
  accuracy: number;
  examplesPerSecond: number;
  memoryBytes: number;
  testAccuracy?: number;
  backend: string;
  /** 'step' events where stability tracking measured (RUN_DIR/stability.jsonl holds the same record) */
  stability?: StabilityRecord;
}

/** What the engine is doing, answered at once even while it trains (the training loop yields between steps). */
export interface EngineStatus {
  training?: {
    runId: string;
    /** steps done so far (0 before the first step's progress event) */
    step: number;
    epoch: number;
    /** a cancel was received: the run stops at its next step boundary */
    stopping: boolean;
  };
}

export interface LogEvent { level: 'info' | 'warn' | 'error'; message: string }

/** The training options the engine uses for a model when none are given (engine/train/defaults.ts). */
export interface TrainingDefaults {
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  lrDrops: number[];
  /** absent: none */
  augment?: { shift: number; flip: boolean };
}

/** A built-in model preset: its name, a one-line description and the full config a `*.revnet.json` holds. */
export interface PresetInfo { name: string; description: string; config: unknown }

export const Requests = {
  /** extension → engine: which backend runs, once at start */
  info: new RequestType<void, EngineInfo, void>('revnet/info'),
  /** extension → engine: load and check a model (config, weights) */
  load: new RequestType<LoadParams, ModelSummary, void>('revnet/load'),
  /** extension → engine: train; progress comes as notifications; cancellable (writes a checkpoint) */
  train: new RequestType<TrainParams, TrainResult, void>('revnet/train'),
  /** extension → engine: stop the running training after its current step */
  cancelTraining: new RequestType<void, boolean, void>('revnet/cancelTraining'),
  /** extension → engine: what the engine is doing (a running training's step), answered within a step */
  status: new RequestType<void, EngineStatus, void>('revnet/status'),
  /** extension → engine: per-block statistics for the panel, hovers and diagnostics; cancellable */
  inspect: new RequestType<InspectParams, InspectReport, void>('revnet/inspect'),
  /** extension → engine: invert a .npy tensor back towards the input */
  invert: new RequestType<InvertParams, InvertResult, void>('revnet/invert'),
  /** extension → engine: run the trunk (or the classifier) on a .npy tensor */
  forward: new RequestType<ForwardParams, ForwardResult, void>('revnet/forward'),
  /** extension → engine: one sample's input, output, edited output and inversion (the panel's Invert view) */
  explore: new RequestType<ExploreParams, ExploreResult, void>('revnet/explore'),
  /** extension → engine: write a small tensor as .npy (path already checked by the extension) */
  saveTensor: new RequestType<SaveTensorParams, void, void>('revnet/saveTensor'),
  /** extension → engine: the built-in presets with their configs (New Model Config…) */
  presets: new RequestType<void, PresetInfo[], void>('revnet/presets'),
  /** extension → engine: the training defaults for a model (Train Model… uses the same as `revnet train`) */
  trainingDefaults: new RequestType<LoadParams, TrainingDefaults, void>('revnet/trainingDefaults'),
} as const;

export const Notifications = {
  /** engine → extension: training progress, after every step and every epoch */
  progress: new NotificationType<ProgressEvent>('revnet/progress'),
  /** engine → extension: log lines for the "RevNet" output channel (the engine never writes to stdout) */
  log: new NotificationType<LogEvent>('revnet/log'),
} as const;
