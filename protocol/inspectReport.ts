// The result of `revnet inspect --json` and of the engine's `revnet/inspect` request.
// A documented interface (docs/inspect-json.md): add fields, never rename or remove them.
import type { StabilityReport } from './stabilityReport';

export type BlockKind =
  /** an additive-coupling reversible unit: y1 = x1 + F(x2), y2 = x2 + G(y1) */
  | 'reversible'
  /** the first unit of a stage that changes stride or channels: not invertible, its input is stored */
  | 'transition';

/**
 * BatchNorm mode of the reconstruction errors: "training" uses the inspected batch's statistics, as a training
 * step and its reversible backward pass do; "inference" uses the running statistics.
 */
export type ReconstructionMode = 'training' | 'inference';

export interface ReconstructionStats {
  /** one-block inverse from the block's true output: max |x - x̂| */
  maxAbs: number;
  /** one-block inverse: ||x - x̂||₂ / ||x||₂ */
  relL2: number;
  /** chain inverse (from the network's final trunk output through every later block, as the backward pass does) */
  chainMaxAbs: number;
  chainRelL2: number;
  /** the input channel with the largest one-block max-abs error, and its error */
  worstChannel: { index: number; maxAbs: number };
  /** one-block max-abs error of every input channel */
  channelMaxAbs: number[];
  /** chain max-abs error of every input channel */
  channelChainMaxAbs: number[];
}

export interface GradientStats {
  /** over all of the block's parameters: ||g_rev - g_std|| / ||g_std|| */
  relErr: number;
  /** over all of the block's parameters: cosine of the angle between g_rev and g_std */
  cosine: number;
  /** per parameter tensor, by its safetensors name */
  perParameter: { name: string; relErr: number; cosine: number }[];
}

export interface BlockStats {
  /** e.g. "stage1.unit0" */
  id: string;
  /** 1-based stage number */
  stage: number;
  /** 0-based unit number inside the stage */
  unit: number;
  kind: BlockKind;
  residual: 'basic' | 'bottleneck';
  inputShape: number[];
  outputShape: number[];
  params: number;
  /** multiply-adds counted twice, forward pass, per example */
  flops: number;
  /** null where the block is not invertible */
  reconstruction: ReconstructionStats | null;
  gradient: GradientStats;
  memory: {
    /** activation bytes autodiff keeps for this block under standard backprop (analytic, from shapes, whole batch) */
    storedBytes: number;
    /** activation bytes kept for this block under reversible backprop (stored transition inputs; 0 for reversible units) */
    reversibleBytes: number;
  };
}

export interface TimelinePoint {
  /** kernel name, e.g. "Conv2D" */
  kernel: string;
  /** bytes of live tensors after the kernel ran */
  bytes: number;
  /** id of the block running at that point, or "stem" / "head" / "loss" / "update" */
  block: string;
  /** whether that block was running its forward or its backward pass */
  phase?: 'forward' | 'backward';
}

export interface DepthPoint {
  unitsPerStage: number;
  standardPeakBytes: number;
  reversiblePeakBytes: number;
  /** "measured" when a training step was run at that depth, "analytic" when estimated from shapes */
  source: 'measured' | 'analytic';
}

export interface InspectReport {
  model: {
    name: string;
    configPath?: string;
    weightsPath?: string;
    preset?: string;
    params: number;
    flops: number;
    /** human-readable list of the parts that invert, e.g. ["stem (squeeze)", "stage1", "squeeze", "stage2"] */
    invertibleParts: string[];
    /** true when the whole feature trunk inverts back to the image */
    trunkInvertible: boolean;
    input: { height: number; width: number; channels: number };
    classes: number;
    lastTraining?: { testAccuracy?: number; finalLoss?: number; epochs: number; finishedAt?: string };
    /** the weights came from `revnet import`; verified only when their logits were checked against the source model's */
    imported?: { source: string; verified: boolean; maxAbsDifference?: number; tolerance?: number };
  };
  backend: string;
  batchSize: number;
  data: string;
  /** the BatchNorm mode of every block's reconstruction errors (reports made before this field: "inference") */
  reconstructionMode?: ReconstructionMode;
  blocks: BlockStats[];
  memory: {
    /** measured peak tensor bytes of one standard training step */
    standardPeakBytes: number;
    /** measured peak tensor bytes of one reversible training step */
    reversiblePeakBytes: number;
    storedBytesTotal: number;
    reversibleBytesTotal: number;
    depth: DepthPoint[];
  };
  timing: {
    standardStepMs: number;
    reversibleStepMs: number;
    /** training threads the steps ran on (engine/parallel); absent in reports made before threads */
    threads?: number;
    /** reversible ÷ standard step time over paired repeats (absent in reports from before it was measured) */
    recomputeRatio?: { median: number; min: number; max: number; repeats: number };
  };
  /** live tensor bytes after every kernel of one training step */
  timeline: { standard: TimelinePoint[]; reversible: TimelinePoint[] };
  /** `inspect --stability`: why, where and how much each reversible unit's inverse drifts (protocol/stabilityReport.ts) */
  stability?: StabilityReport;
  createdAt: string;
}
