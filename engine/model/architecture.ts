// The sequence of pieces a config describes (stem, squeezes, units, head) with their shapes and the
// names and shapes of every tensor, following docs/names (tensor names fixed for the project).
// Pure data: no TensorFlow.js here, so analysis and validation can use it too.
import type { ResidualKind, RevNetConfig, SqueezeOrder } from './config';

export type Shape3 = readonly [height: number, width: number, channels: number];

/** One residual function, F or G, of a unit. */
export interface ResidualSpec {
  /** tensor-name prefix, e.g. "stage1.unit0.f" */
  prefix: string;
  kind: ResidualKind;
  inChannels: number;
  width: number;
  outChannels: number;
  /** stride of the first convolution (2 only in F of a strided transition) */
  stride: 1 | 2;
  /** false for F of the network's very first unit (unless conventions.firstUnitBatchNorm): no leading BatchNorm-ReLU (no bn1) */
  leadingBatchNorm: boolean;
}

interface StepBase {
  /** "stem", "stage2.squeeze", "stage1.unit0" */
  id: string;
  inShape: Shape3;
  outShape: Shape3;
}

export interface StemConvStep extends StepBase {
  kind: 'stem-conv';
}

export interface SqueezeStep extends StepBase {
  kind: 'squeeze';
  /** 0 for the stem squeeze, else the stage it opens */
  stage: number;
  order: SqueezeOrder;
}

export interface ReversibleStep extends StepBase {
  kind: 'reversible';
  stage: number;
  unit: number;
  f: ResidualSpec;
  g: ResidualSpec;
}

export interface TransitionStep extends StepBase {
  kind: 'transition';
  stage: number;
  unit: number;
  stride: 1 | 2;
  f: ResidualSpec;
  g: ResidualSpec;
  /** basic: average pooling (if strided) and zero channel padding; bottleneck: a 1x1 projection */
  shortcut: 'pad' | 'projection';
}

export type UnitStep = ReversibleStep | TransitionStep;
export type TrunkStep = StemConvStep | SqueezeStep | UnitStep;

export interface HeadSpec {
  inShape: Shape3;
  pool: 'global-average' | 'flatten';
  /** features after pooling */
  pooled: number;
  hidden?: number;
  classes: number;
}

export interface Architecture {
  input: Shape3;
  steps: TrunkStep[];
  trunkShape: Shape3;
  head: HeadSpec;
  /** every trainable tensor (conv kernels, gamma, beta, dense), in a fixed order */
  params: Map<string, number[]>;
  /** BatchNorm running statistics, "<bn>.mean" and "<bn>.variance" */
  buffers: Map<string, number[]>;
  /** every BatchNorm by name prefix ("stage1.unit0.f.bn2", "head.bn") with its channel count */
  batchNorms: Map<string, number>;
}

export class ArchitectureError extends Error {}

export function isUnit(step: TrunkStep): step is UnitStep {
  return step.kind === 'reversible' || step.kind === 'transition';
}

/** Residual-function layer names in order; each conv is preceded by its BatchNorm (except a skipped bn1). */
export function residualLayers(spec: ResidualSpec): { bn?: string; conv: string; kernel: number[]; stride: 1 | 2; bnChannels: number }[] {
  const p = spec.prefix;
  const first = (bn: string, channels: number) => (spec.leadingBatchNorm ? { bn: `${p}.${bn}`, bnChannels: channels } : { bnChannels: channels });
  if (spec.kind === 'basic') {
    return [
      { ...first('bn1', spec.inChannels), conv: `${p}.conv1`, kernel: [3, 3, spec.inChannels, spec.width], stride: spec.stride },
      { bn: `${p}.bn2`, bnChannels: spec.width, conv: `${p}.conv2`, kernel: [3, 3, spec.width, spec.outChannels], stride: 1 },
    ];
  }
  return [
    { ...first('bn1', spec.inChannels), conv: `${p}.conv1`, kernel: [1, 1, spec.inChannels, spec.width], stride: spec.stride },
    { bn: `${p}.bn2`, bnChannels: spec.width, conv: `${p}.conv2`, kernel: [3, 3, spec.width, spec.width], stride: 1 },
    { bn: `${p}.bn3`, bnChannels: spec.width, conv: `${p}.conv3`, kernel: [1, 1, spec.width, spec.outChannels], stride: 1 },
  ];
}

function defaultWidth(kind: ResidualKind, channels: number): number {
  return kind === 'basic' ? channels / 2 : channels / 8;
}

function requireInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new ArchitectureError(`${what} must be a positive integer, got ${value}`);
}

export function describeArchitecture(config: RevNetConfig): Architecture {
  const steps: TrunkStep[] = [];
  const params = new Map<string, number[]>();
  const buffers = new Map<string, number[]>();
  const batchNorms = new Map<string, number>();
  const addBatchNorm = (name: string, channels: number) => {
    batchNorms.set(name, channels);
    params.set(`${name}.gamma`, [channels]);
    params.set(`${name}.beta`, [channels]);
    buffers.set(`${name}.mean`, [channels]);
    buffers.set(`${name}.variance`, [channels]);
  };
  const addResidual = (spec: ResidualSpec) => {
    for (const layer of residualLayers(spec)) {
      if (layer.bn !== undefined) addBatchNorm(layer.bn, layer.bnChannels);
      params.set(`${layer.conv}.weight`, layer.kernel);
    }
  };

  const order: SqueezeOrder = config.conventions?.squeezeOrder ?? 'space-to-depth';
  const firstUnitBatchNorm = config.conventions?.firstUnitBatchNorm ?? false;
  const input: Shape3 = [config.input.height, config.input.width, config.input.channels];
  let shape: Shape3 = input;
  if (config.stem.kind === 'conv') {
    const out: Shape3 = [shape[0], shape[1], config.stem.channels];
    steps.push({ kind: 'stem-conv', id: 'stem', inShape: shape, outShape: out });
    params.set('stem.conv.weight', [3, 3, shape[2], config.stem.channels]);
    shape = out;
  } else {
    shape = squeezedShape(shape, 'the stem squeeze');
    steps.push({ kind: 'squeeze', id: 'stem', stage: 0, order, inShape: input, outShape: shape });
  }

  let firstUnit = true;
  config.stages.forEach((stage, index) => {
    const s = index + 1;
    requireInteger(stage.units, `stages[${index}].units`);
    if (stage.channels % 2 !== 0) throw new ArchitectureError(`stages[${index}].channels must be even (split in halves), got ${stage.channels}`);
    const width = stage.width ?? defaultWidth(stage.residual, stage.channels);
    requireInteger(width, `stages[${index}].width`);
    if (stage.downsample === 'squeeze') {
      const out = squeezedShape(shape, `the squeeze opening stage ${s}`);
      steps.push({ kind: 'squeeze', id: `stage${s}.squeeze`, stage: s, order, inShape: shape, outShape: out });
      shape = out;
    }
    const stride: 1 | 2 = stage.downsample === 'strided' ? 2 : 1;
    const hasTransition = stride === 2 || shape[2] !== stage.channels;
    const half = stage.channels / 2;
    for (let u = 0; u < stage.units; u++) {
      const id = `stage${s}.unit${u}`;
      const transition = u === 0 && hasTransition;
      const inChannels = shape[2];
      if (inChannels % 2 !== 0) throw new ArchitectureError(`${id}: its input has ${inChannels} channels, which cannot be split in halves`);
      const unitStride: 1 | 2 = transition ? stride : 1;
      if (unitStride === 2 && (shape[0] % 2 !== 0 || shape[1] % 2 !== 0)) {
        throw new ArchitectureError(`${id}: a strided transition needs an even height and width, got ${shape[0]}x${shape[1]}`);
      }
      const out: Shape3 = [shape[0] / unitStride, shape[1] / unitStride, stage.channels];
      const f: ResidualSpec = {
        prefix: `${id}.f`, kind: stage.residual, inChannels: inChannels / 2, width, outChannels: half, stride: unitStride, leadingBatchNorm: !firstUnit || firstUnitBatchNorm,
      };
      const g: ResidualSpec = { prefix: `${id}.g`, kind: stage.residual, inChannels: half, width, outChannels: half, stride: 1, leadingBatchNorm: true };
      addResidual(f);
      addResidual(g);
      if (transition) {
        const shortcut = stage.residual === 'bottleneck' ? 'projection' : 'pad';
        if (shortcut === 'pad' && half < inChannels / 2) {
          throw new ArchitectureError(`${id}: a basic transition pads channels with zeros and cannot reduce them (${inChannels} to ${stage.channels})`);
        }
        if (shortcut === 'projection') params.set(`${id}.shortcut.weight`, [1, 1, inChannels / 2, half]);
        steps.push({ kind: 'transition', id, stage: s, unit: u, stride: unitStride, f, g, shortcut, inShape: shape, outShape: out });
      } else {
        steps.push({ kind: 'reversible', id, stage: s, unit: u, f, g, inShape: shape, outShape: out });
      }
      shape = out;
      firstUnit = false;
    }
  });

  addBatchNorm('head.bn', shape[2]);
  const pooled = config.head.pool === 'flatten' ? shape[0] * shape[1] * shape[2] : shape[2];
  let features = pooled;
  if (config.head.hidden !== undefined) {
    requireInteger(config.head.hidden, 'head.hidden');
    params.set('head.hidden.weight', [features, config.head.hidden]);
    params.set('head.hidden.bias', [config.head.hidden]);
    features = config.head.hidden;
  }
  requireInteger(config.classes, 'classes');
  params.set('head.fc.weight', [features, config.classes]);
  params.set('head.fc.bias', [config.classes]);
  const head: HeadSpec = { inShape: shape, pool: config.head.pool, pooled, classes: config.classes };
  if (config.head.hidden !== undefined) head.hidden = config.head.hidden;
  return { input, steps, trunkShape: shape, head, params, buffers, batchNorms };
}

function squeezedShape(shape: Shape3, what: string): Shape3 {
  if (shape[0] % 2 !== 0 || shape[1] % 2 !== 0) {
    throw new ArchitectureError(`${what} needs an even height and width, got ${shape[0]}x${shape[1]}`);
  }
  return [shape[0] / 2, shape[1] / 2, shape[2] * 4];
}

/** Which parts can be run backwards: squeezes and reversible units; not the conv stem or transitions. */
export function isInvertible(step: TrunkStep): boolean {
  return step.kind === 'squeeze' || step.kind === 'reversible';
}
