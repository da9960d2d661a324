// Pure arithmetic on a config (no TensorFlow.js): per unit its shapes, parameters, FLOPs and the
// activation bytes each backward pass keeps; totals; which parts invert; and an analytic peak-bytes
// estimate per training mode that extends a measured depth series. The rules are in docs/config.md.
import type { DepthPoint } from '../../protocol/inspectReport';
import type { Architecture, ResidualSpec, Shape3, TrunkStep, UnitStep } from './architecture';
import { describeArchitecture, isInvertible, isUnit, residualLayers } from './architecture';
import type { ResidualKind, RevNetConfig } from './config';

const BYTES_PER_FLOAT = 4;

/**
 * Activation-sized tensors a training-mode BatchNorm-ReLU keeps for its gradient (batchNormTraining on our
 * kernels): the normalised input x̂ and the ReLU output (also the conv's input, kept by the conv's gradient).
 * Per-channel statistics are negligible and not counted.
 */
export const BATCH_NORM_RELU_TENSORS = 2;

/**
 * Further bytes alive at the peak of a backward pass per stored activation byte: the gradients TensorFlow.js's
 * tape computes (it keeps each until the backward pass it belongs to ends) and the kernels' own temporaries.
 * A calibration: measured against tf.profile's step peaks on this engine (wasm and cpu give the same bytes;
 * measured/estimated 0.80-1.28 on the models of the test when set, after BatchNorm-ReLU became our kernels), checked by
 * test/unit/engine/model/analysis.test.ts.
 */
export const BACKWARD_BYTES_PER_STORED_BYTE = 1.1;

export interface UnitAnalysis {
  /** "stage1.unit0" */
  id: string;
  stage: number;
  unit: number;
  kind: 'reversible' | 'transition';
  residual: ResidualKind;
  /** per example, HWC */
  inputShape: number[];
  outputShape: number[];
  /** trainable elements of the unit's tensors (named as in docs/model-files.md) */
  params: number;
  /** BatchNorm running statistics (mean, variance) */
  buffers: number;
  /** 2 × multiply-adds of the convolutions, forward, per example */
  flops: number;
  invertible: boolean;
  /** activation bytes autodiff keeps for this unit under standard backprop, whole batch */
  storedBytes: number;
  /** activation bytes reversible backprop keeps for this unit: 0 for a reversible unit, its input for a transition */
  reversibleBytes: number;
}

/** The pieces that are not residual units: the stem, squeezes between stages, the head. */
export interface PieceAnalysis {
  /** "stem", "stage2.squeeze", "head" */
  id: string;
  kind: 'stem-conv' | 'squeeze' | 'head';
  inputShape: number[];
  /** the logits' shape for the head */
  outputShape: number[];
  params: number;
  buffers: number;
  flops: number;
  invertible: boolean;
  storedBytes: number;
  /** the conv stem and the head run under autodiff in both modes; a squeeze is rebuilt */
  reversibleBytes: number;
}

export interface PeakEstimate {
  /** weights and BatchNorm buffers (variables) */
  weightBytes: number;
  /** one gradient per parameter, alive at the end of the step */
  gradientBytes: number;
  /** the input batch */
  inputBytes: number;
  /** activations alive at the estimated peak */
  activationBytes: number;
  total: number;
}

export interface ModelAnalysis {
  batchSize: number;
  units: UnitAnalysis[];
  /** stem first, then squeezes in network order, head last */
  pieces: PieceAnalysis[];
  totals: { params: number; buffers: number; flops: number; storedBytes: number; reversibleBytes: number };
  /** human-readable, in network order: e.g. ["stem (squeeze)", "stage1", "stage2.squeeze", "stage2"] */
  invertibleParts: string[];
  /** true when stem, every squeeze and every unit invert: the final features lead back to the image */
  trunkInvertible: boolean;
  peak: { standard: PeakEstimate; reversible: PeakEstimate };
}

const elements = (shape: readonly number[]): number => shape.reduce((product, size) => product * size, 1);

/** elements per owner of the tensors: "stem", "head", a unit's id "stage1.unit0" (names are OWNER.rest) */
interface TensorSizes { params: Map<string, number>; buffers: Map<string, number> }

const sizesByArchitecture = new WeakMap<Architecture, TensorSizes>();

function ownerOf(name: string): string {
  const first = name.indexOf('.');
  if (first < 0) return name;
  if (!name.startsWith('stage')) return name.slice(0, first);
  const second = name.indexOf('.', first + 1);
  return second < 0 ? name : name.slice(0, second);
}

/** one pass over every tensor name (a lookup per unit would make the analysis quadratic in the units) */
function tensorSizes(architecture: Architecture): TensorSizes {
  let sizes = sizesByArchitecture.get(architecture);
  if (sizes === undefined) {
    const sum = (tensors: Map<string, number[]>): Map<string, number> => {
      const totals = new Map<string, number>();
      for (const [name, shape] of tensors) {
        const owner = ownerOf(name);
        totals.set(owner, (totals.get(owner) ?? 0) + elements(shape));
      }
      return totals;
    };
    sizes = { params: sum(architecture.params), buffers: sum(architecture.buffers) };
    sizesByArchitecture.set(architecture, sizes);
  }
  return sizes;
}

function sizeOfTensors(architecture: Architecture, owner: string): { params: number; buffers: number } {
  const sizes = tensorSizes(architecture);
  return { params: sizes.params.get(owner) ?? 0, buffers: sizes.buffers.get(owner) ?? 0 };
}

/** 2 × multiply-adds of a SAME-padded convolution with an HWIO kernel. */
export function convFlops(inHeight: number, inWidth: number, kernel: readonly number[], stride: number): number {
  const [kh, kw, cin, cout] = kernel as [number, number, number, number];
  return 2 * Math.ceil(inHeight / stride) * Math.ceil(inWidth / stride) * kh * kw * cin * cout;
}

export function denseFlops(inputs: number, outputs: number): number {
  return 2 * inputs * outputs;
}

/** FLOPs and stored activation elements (per example) of one residual function on an input of inHeight×inWidth. */
function residualCost(spec: ResidualSpec, inHeight: number, inWidth: number): { flops: number; storedElements: number } {
  let height = inHeight;
  let width = inWidth;
  let flops = 0;
  let storedElements = 0;
  for (const layer of residualLayers(spec)) {
    const inChannels = layer.kernel[2];
    if (layer.bn !== undefined) storedElements += BATCH_NORM_RELU_TENSORS * height * width * inChannels;
    flops += convFlops(height, width, layer.kernel, layer.stride);
    height = Math.ceil(height / layer.stride);
    width = Math.ceil(width / layer.stride);
    storedElements += height * width * (layer.kernel[3]);
  }
  return { flops, storedElements };
}

/** Stored bytes of the larger of a unit's F and G: the reversible backward pass recomputes one at a time. */
function largestResidualBytes(step: UnitStep, batchSize: number): number {
  const f = residualCost(step.f, step.inShape[0], step.inShape[1]).storedElements;
  const g = residualCost(step.g, step.outShape[0], step.outShape[1]).storedElements;
  return Math.max(f, g) * batchSize * BYTES_PER_FLOAT;
}

function analyzeUnit(step: UnitStep, architecture: Architecture, batchSize: number): UnitAnalysis {
  const [inH, inW] = step.inShape;
  const [outH, outW, outC] = step.outShape;
  const half = outC / 2;
  const f = residualCost(step.f, inH, inW);
  const g = residualCost(step.g, outH, outW);
  let flops = f.flops + g.flops;
  // the split halves x1, x2 (copies), the sums y1, y2, and the joined output
  let storedElements = elements(step.inShape) + f.storedElements + g.storedElements + 2 * outH * outW * half + elements(step.outShape);
  if (step.kind === 'transition') {
    const inHalf = step.inShape[2] / 2;
    if (step.shortcut === 'projection') {
      const kernel = architecture.params.get(`${step.id}.shortcut.weight`) as number[];
      flops += 2 * convFlops(inH, inW, kernel, step.stride);
      storedElements += 2 * outH * outW * half;
    } else {
      if (step.stride === 2) storedElements += 2 * outH * outW * inHalf;
      if (half !== inHalf) storedElements += 2 * outH * outW * half;
    }
  }
  const sizes = sizeOfTensors(architecture, step.id);
  return {
    id: step.id,
    stage: step.stage,
    unit: step.unit,
    kind: step.kind,
    residual: step.f.kind,
    inputShape: [...step.inShape],
    outputShape: [...step.outShape],
    params: sizes.params,
    buffers: sizes.buffers,
    flops,
    invertible: isInvertible(step),
    storedBytes: storedElements * batchSize * BYTES_PER_FLOAT,
    reversibleBytes: step.kind === 'transition' ? elements(step.inShape) * batchSize * BYTES_PER_FLOAT : 0,
  };
}

function analyzeTrunkPiece(step: Exclude<TrunkStep, UnitStep>, architecture: Architecture, batchSize: number): PieceAnalysis {
  const common = { id: step.id, inputShape: [...step.inShape], outputShape: [...step.outShape] };
  const outputBytes = elements(step.outShape) * batchSize * BYTES_PER_FLOAT;
  if (step.kind === 'squeeze') {
    // reshape shares its data; the transpose makes one new tensor of the output's size
    return { ...common, kind: 'squeeze', params: 0, buffers: 0, flops: 0, invertible: true, storedBytes: outputBytes, reversibleBytes: 0 };
  }
  const kernel = architecture.params.get('stem.conv.weight') as number[];
  const sizes = sizeOfTensors(architecture, 'stem');
  return {
    ...common,
    kind: 'stem-conv',
    ...sizes,
    flops: convFlops(step.inShape[0], step.inShape[1], kernel, 1),
    invertible: false,
    storedBytes: outputBytes,
    reversibleBytes: outputBytes,
  };
}

function analyzeHead(architecture: Architecture, batchSize: number): PieceAnalysis {
  const head = architecture.head;
  let flops = 0;
  // BatchNorm-ReLU on the features; global average pooling makes a new tensor, flattening reshapes in place
  let storedElements = BATCH_NORM_RELU_TENSORS * elements(head.inShape) + (head.pool === 'global-average' ? head.pooled : 0);
  let features = head.pooled;
  if (head.hidden !== undefined) {
    flops += denseFlops(features, head.hidden);
    storedElements += 3 * head.hidden; // matmul, + bias, ReLU
    features = head.hidden;
  }
  flops += denseFlops(features, head.classes);
  storedElements += 2 * head.classes; // matmul, + bias
  const bytes = storedElements * batchSize * BYTES_PER_FLOAT;
  return {
    id: 'head',
    kind: 'head',
    inputShape: [...head.inShape],
    outputShape: [head.classes],
    ...sizeOfTensors(architecture, 'head'),
    flops,
    invertible: false,
    storedBytes: bytes,
    reversibleBytes: bytes,
  };
}

/** "stem (squeeze)", "stage2.squeeze", "stage1" (every unit reversible) or "stage2.unit1-unit8". */
function invertiblePartsOf(steps: TrunkStep[]): string[] {
  const parts: string[] = [];
  let run: UnitStep[] = [];
  const flush = (): void => {
    const first = run.at(0);
    const last = run.at(-1);
    if (first && last) {
      const wholeStage = first.unit === 0 && !steps.some((step) => isUnit(step) && step.stage === first.stage && step.unit > last.unit);
      parts.push(wholeStage ? `stage${first.stage}` : first === last ? first.id : `${first.id}-unit${last.unit}`);
    }
    run = [];
  };
  for (const step of steps) {
    if (isUnit(step) && step.kind === 'reversible' && (run.length === 0 || (run[0]).stage === step.stage)) {
      run.push(step);
      continue;
    }
    flush();
    if (isUnit(step) && step.kind === 'reversible') run.push(step);
    else if (step.kind === 'squeeze') parts.push(step.id === 'stem' ? 'stem (squeeze)' : step.id);
  }
  flush();
  return parts;
}

function estimatePeaks(
  config: RevNetConfig,
  steps: UnitStep[],
  units: UnitAnalysis[],
  pieces: PieceAnalysis[],
  params: number,
  buffers: number,
  batchSize: number,
): ModelAnalysis['peak'] {
  const weightBytes = (params + buffers) * BYTES_PER_FLOAT;
  const gradientBytes = params * BYTES_PER_FLOAT;
  const inputBytes = config.input.height * config.input.width * config.input.channels * batchSize * BYTES_PER_FLOAT;
  const activationBytes = (shape: number[]): number => elements(shape) * batchSize * BYTES_PER_FLOAT;
  const withBackward = (stored: number): number => Math.round(stored * (1 + BACKWARD_BYTES_PER_STORED_BYTE));
  // standard: every activation and every gradient stays alive until the backward pass ends
  const standardActivations = withBackward([...pieces, ...units].reduce((sum, piece) => sum + piece.storedBytes, 0));

  // reversible: transition inputs, stage outputs and the conv stem's output stay for the whole step; on top of
  // them, first the head's autodiff pass, then one unit at a time: a reversible unit one residual function at a
  // time (G, then F), a transition (recomputed by autodiff from its stored input) whole; its recomputed
  // activations and their gradients, beside the unit's output and input halves and their gradients
  const stageOutputs = new Map<number, number[]>();
  for (const unit of units) stageOutputs.set(unit.stage, unit.outputShape);
  const kept =
    units.reduce((sum, unit) => sum + unit.reversibleBytes, 0) +
    pieces.filter((piece) => piece.kind !== 'head').reduce((sum, piece) => sum + piece.reversibleBytes, 0) +
    [...stageOutputs.values()].reduce((sum, shape) => sum + activationBytes(shape), 0);
  const headPhase = withBackward(pieces.filter((piece) => piece.kind === 'head').reduce((sum, piece) => sum + piece.storedBytes, 0));
  let unitPhase = 0;
  units.forEach((unit, index) => {
    const recomputed = unit.kind === 'transition' ? unit.storedBytes : largestResidualBytes(steps[index], batchSize);
    unitPhase = Math.max(unitPhase, withBackward(recomputed) + 2 * (activationBytes(unit.inputShape) + activationBytes(unit.outputShape)));
  });
  const reversibleActivations = kept + Math.max(headPhase, unitPhase);
  const estimate = (activations: number): PeakEstimate => ({
    weightBytes,
    gradientBytes,
    inputBytes,
    activationBytes: activations,
    total: weightBytes + gradientBytes + inputBytes + activations,
  });
  return { standard: estimate(standardActivations), reversible: estimate(reversibleActivations) };
}

/** Everything the analytic side knows about a (valid) config, for a batch of `batchSize` examples. */
export function analyzeModel(config: RevNetConfig, batchSize = 1): ModelAnalysis {
  const architecture = describeArchitecture(config);
  const units: UnitAnalysis[] = [];
  const unitSteps: UnitStep[] = [];
  const pieces: PieceAnalysis[] = [];
  for (const step of architecture.steps) {
    if (isUnit(step)) {
      units.push(analyzeUnit(step, architecture, batchSize));
      unitSteps.push(step);
    }
    else pieces.push(analyzeTrunkPiece(step, architecture, batchSize));
  }
  pieces.push(analyzeHead(architecture, batchSize));
  const all = [...pieces, ...units];
  const total = (key: 'params' | 'buffers' | 'flops' | 'storedBytes' | 'reversibleBytes'): number =>
    all.reduce((sum, piece) => sum + piece[key], 0);
  const totals = {
    params: total('params'),
    buffers: total('buffers'),
    flops: total('flops'),
    storedBytes: total('storedBytes'),
    reversibleBytes: total('reversibleBytes'),
  };
  return {
    batchSize,
    units,
    pieces,
    totals,
    invertibleParts: invertiblePartsOf(architecture.steps),
    trunkInvertible: architecture.steps.every(isInvertible),
    peak: estimatePeaks(config, unitSteps, units, pieces, totals.params, totals.buffers, batchSize),
  };
}

/** The same model with every stage's unit count set to `units` (a transition counts as one of them). */
export function withUnitsPerStage(config: RevNetConfig, units: number): RevNetConfig {
  return { ...config, stages: config.stages.map((stage) => ({ ...stage, units })) };
}

/** Analytic peak bytes of one training step per mode against units per stage (source "analytic"). */
export function analyticDepthSeries(config: RevNetConfig, batchSize: number, unitsPerStage: number[]): DepthPoint[] {
  return unitsPerStage.map((units) => {
    const { peak } = analyzeModel(withUnitsPerStage(config, units), batchSize);
    return { unitsPerStage: units, standardPeakBytes: peak.standard.total, reversiblePeakBytes: peak.reversible.total, source: 'analytic' };
  });
}

export type { Shape3 };
