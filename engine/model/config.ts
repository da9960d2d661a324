// The model description, as written in a `NAME.revnet.json` file.
// The JSON Schema (schema/revnet.schema.json) and the validator are generated from one source:
// engine/model/schema.ts. Keep these types and that source in step.
//
// Architecture conventions shared by the network (engine/model/network*.ts) and the analytic side
// (engine/model/architecture.ts, engine/model/analysis.ts, docs/config.md), settled here once:
// - A stage's first unit is a *transition* when downsample is "strided", or "none" with a channel change;
//   every other unit (and every unit of a "squeeze" stage, the squeeze sitting before the stage) is reversible.
// - In a transition, the stride sits on F's first conv (conv1, for basic and bottleneck alike);
//   the shortcut S is avg-pool 2x2 (if strided) + zero channel padding for basic, and one shared 1x1
//   projection conv `stage{S}.unit0.shortcut.weight` (with the stride) for bottleneck.
// - Only F of the network's very first unit skips its leading BatchNorm-ReLU (no `f.bn1`); its G keeps `g.bn1`.
// - Convolutions use SAME padding. architecture.ts's `describeArchitecture(config)` lists every piece's shapes
//   and every tensor's name and shape; analysis.ts derives params, FLOPs and memory from it.

/** How a stage is entered. */
export type Downsample =
  /** no change of resolution; if the channel count changes, the first unit is a non-reversible projection unit */
  | 'none'
  /** the paper's transition: the first unit carries stride 2 and the channel change; it is not invertible and its input is stored */
  | 'strided'
  /** an invertible space-to-depth 2x2 squeeze before the stage (i-RevNet): channels x4, height and width /2 */
  | 'squeeze';

export type ResidualKind = 'basic' | 'bottleneck';

export interface StageConfig {
  /** residual units in the stage, counting a non-reversible transition unit if the stage has one */
  units: number;
  /** channels of the stage's output, both halves together */
  channels: number;
  residual: ResidualKind;
  /** channels inside F and G; default: channels/2 (basic) or channels/8 (bottleneck); loadConfig fills it in */
  width?: number;
  downsample: Downsample;
}

export type StemConfig =
  /** the paper's stem: a 3x3 convolution to `channels` (not invertible) */
  | { kind: 'conv'; channels: number }
  /** an invertible space-to-depth 2x2 squeeze: channels x4 (lets a single-channel image be split in halves) */
  | { kind: 'squeeze' };

export interface HeadConfig {
  /** global average pooling (the paper) or flattening the final features */
  pool: 'global-average' | 'flatten';
  /** optional hidden fully connected layer with ReLU before the classifier */
  hidden?: number;
}

export interface RevNetConfig {
  $schema?: string;
  /** the model's name, shown in the editor and the panel */
  name: string;
  /** input images, NHWC without the batch dimension */
  input: { height: number; width: number; channels: number };
  classes: number;
  stem: StemConfig;
  stages: StageConfig[];
  head: HeadConfig;
  /** default DEFAULT_BATCH_NORM; loadConfig fills it in */
  batchNorm?: BatchNormConfig;
  /** conventions that change the computation without changing any tensor's shape (other frameworks' choices) */
  conventions?: ConventionsConfig;
  /** written by `revnet import`: where the weights came from and whether they were checked against the source's logits */
  imported?: ImportMetadata;
  /** data normalisation, written with a trained model: per-channel mean and standard deviation */
  normalization?: { mean: number[]; std: number[] };
  /** written with a trained model: how it was trained and how it did */
  training?: TrainingMetadata;
}

export interface BatchNormConfig {
  /** weight of the old running statistics (TensorFlow convention; PyTorch's momentum m is 1 - m here) */
  momentum: number;
  epsilon: number;
  /** which batch variance updates the running variance in training: "biased" (default, ours) or "unbiased" (PyTorch) */
  runningVariance?: 'biased' | 'unbiased';
}

/** Channel order of the 2x2 squeeze (stem and stage squeezes). */
export type SqueezeOrder =
  /** ours and TensorFlow's space_to_depth: output channel (dy*2 + dx)*C + c */
  | 'space-to-depth'
  /** PyTorch's F.pixel_unshuffle: output channel c*4 + dy*2 + dx */
  | 'pixel-unshuffle';

export interface ConventionsConfig {
  /** default "space-to-depth" */
  squeezeOrder?: SqueezeOrder;
  /** F of the network's very first unit starts with BatchNorm-ReLU too (memcnn-style); default false (no f.bn1) */
  firstUnitBatchNorm?: boolean;
}

export interface ImportMetadata {
  /** the file the weights were imported from (its base name) */
  source: string;
  /** true only when `revnet import` compared our logits with the source model's and they agreed */
  verified: boolean;
  /** with a check: largest |ours - theirs| over the check batch's logits, and the tolerance it met */
  maxAbsDifference?: number;
  tolerance?: number;
  /** with a check: examples in the check batch and the fraction whose argmax agreed */
  checkedExamples?: number;
  argmaxAgreement?: number;
  /** the backend the check ran on */
  backend?: string;
  importedAt: string;
}

export interface TrainingMetadata {
  data: string;
  epochs: number;
  steps: number;
  batchSize: number;
  optimizer: string;
  mode: 'reversible' | 'standard';
  seed: number;
  backend: string;
  /** the training images' random moves, e.g. "shift=2" (absent: none) */
  augment?: string;
  testAccuracy?: number;
  finalLoss?: number;
  finishedAt?: string;
}

export const DEFAULT_BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;
