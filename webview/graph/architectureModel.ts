// The network as the Architecture view draws it, built from an inspection report alone (the panel has no
// config): input, stem (conv, or squeeze when the report lists "stem (squeeze)" as invertible), stages of
// units (report blocks, in order) with the squeezes that open stages, head. Also what `revnet invert` can run
// back through: the invertible steps from the trunk's output backwards, up to the first one that is not. Pure.
import type { BlockStats, InspectReport } from '../../protocol/inspectReport';

export interface UnitNode {
  id: string;
  block: BlockStats;
  stage: number;
  invertible: boolean;
  /** `revnet invert` (from the trunk's output) runs back through this unit */
  reached: boolean;
}

export type Piece =
  | { kind: 'input'; id: 'input'; shape: number[] }
  | { kind: 'stem-conv' | 'squeeze'; id: string; inShape: number[]; outShape: number[]; invertible: boolean; reached: boolean }
  | { kind: 'stage'; id: string; stage: number; units: UnitNode[] }
  | { kind: 'head'; id: 'head'; inShape: number[]; classes: number };

export interface ArchitectureModel {
  pieces: Piece[];
  /** every unit in network order (the report's blocks) */
  units: UnitNode[];
  /** the trunk step where `revnet invert` stops (not invertible), or undefined when it reaches the image */
  invertStopsAt: string | undefined;
}

function squeezed(shape: number[]): number[] {
  const [h = 0, w = 0, c = 0] = shape;
  return [h / 2, w / 2, c * 4];
}

export function buildArchitecture(report: InspectReport): ArchitectureModel {
  const { model, blocks } = report;
  const parts = new Set(model.invertibleParts);
  const input = [model.input.height, model.input.width, model.input.channels];
  const pieces: Piece[] = [{ kind: 'input', id: 'input', shape: input }];
  const first = blocks.at(0);
  if (parts.has('stem (squeeze)')) {
    pieces.push({ kind: 'squeeze', id: 'stem', inShape: input, outShape: squeezed(input), invertible: true, reached: false });
  } else {
    pieces.push({ kind: 'stem-conv', id: 'stem', inShape: input, outShape: first ? [...first.inputShape] : input, invertible: false, reached: false });
  }
  const units: UnitNode[] = [];
  let previousOut = (pieces[1] as { outShape: number[] }).outShape;
  for (const block of blocks) {
    let stage = pieces.at(-1);
    if (stage?.kind !== 'stage' || stage.stage !== block.stage) {
      const squeezeId = `stage${block.stage}.squeeze`;
      if (parts.has(squeezeId)) {
        pieces.push({ kind: 'squeeze', id: squeezeId, inShape: previousOut, outShape: squeezed(previousOut), invertible: true, reached: false });
      }
      stage = { kind: 'stage', id: `stage${block.stage}`, stage: block.stage, units: [] };
      pieces.push(stage);
    }
    const unit: UnitNode = { id: block.id, block, stage: block.stage, invertible: block.kind === 'reversible', reached: false };
    stage.units.push(unit);
    units.push(unit);
    previousOut = block.outputShape;
  }
  pieces.push({ kind: 'head', id: 'head', inShape: previousOut, classes: model.classes });

  // walk the trunk backwards from its output, as `revnet invert` does
  const trunk: { id: string; invertible: boolean; mark(): void }[] = [];
  for (const piece of pieces) {
    if (piece.kind === 'stem-conv' || piece.kind === 'squeeze') trunk.push({ id: piece.id, invertible: piece.invertible, mark: () => void (piece.reached = true) });
    if (piece.kind === 'stage') for (const unit of piece.units) trunk.push({ id: unit.id, invertible: unit.invertible, mark: () => void (unit.reached = true) });
  }
  let invertStopsAt: string | undefined;
  for (let i = trunk.length - 1; i >= 0; i--) {
    const step = trunk[i];
    if (!step.invertible) {
      invertStopsAt = step.id;
      break;
    }
    step.mark();
  }
  return { pieces, units, invertStopsAt };
}

export interface LayerRow {
  /** "bn1", "conv2", "shortcut" */
  name: string;
  label: string;
  /** the safetensors names of its parameters, with their gradient check when the report has it */
  parameters: { name: string; relErr: number; cosine: number }[];
}

export interface ResidualFunction {
  name: 'F' | 'G';
  inChannels: number;
  outChannels: number;
  layers: LayerRow[];
}

export interface Coupling {
  transition: boolean;
  /** basic transition: pooling (if strided) and zero padding; bottleneck: a 1x1 projection */
  shortcut: string | undefined;
  f: ResidualFunction;
  g: ResidualFunction;
}

/** F's and G's layers: the residual kind's pattern (docs/config.md), with bn1 left out where the report's
 *  parameter list shows it absent (the network's first unit) */
export function couplingOf(block: BlockStats): Coupling {
  const strided = (block.outputShape[0] ?? 0) < (block.inputShape[0] ?? 0);
  const kernels = block.residual === 'basic' ? [3, 3] : [1, 3, 1];
  const half = (shape: number[]) => (shape[2] ?? 0) / 2;
  const params = block.gradient.perParameter;
  const residual = (name: 'F' | 'G'): ResidualFunction => {
    const prefix = `${block.id}.${name.toLowerCase()}.`;
    const mine = params.filter((p) => p.name.startsWith(prefix));
    const layers: LayerRow[] = [];
    kernels.forEach((kernel, i) => {
      const bn = `bn${i + 1}`;
      const conv = `conv${i + 1}`;
      const bnParams = mine.filter((p) => p.name.startsWith(`${prefix}${bn}.`));
      const skipped = i === 0 && mine.length > 0 && bnParams.length === 0;
      if (!skipped) layers.push({ name: bn, label: 'BatchNorm · ReLU', parameters: bnParams });
      const stride = i === 0 && name === 'F' && strided ? ', stride 2' : '';
      layers.push({ name: conv, label: `conv ${kernel}×${kernel}${stride}`, parameters: mine.filter((p) => p.name.startsWith(`${prefix}${conv}.`)) });
    });
    return { name, inChannels: name === 'F' ? half(block.inputShape) : half(block.outputShape), outChannels: half(block.outputShape), layers };
  };
  const transition = block.kind === 'transition';
  let shortcut: string | undefined;
  if (transition) shortcut = block.residual === 'bottleneck' ? 'S: 1×1 projection' : strided ? 'S: avg pool 2×2, zero pad' : 'S: zero pad';
  return { transition, shortcut, f: residual('F'), g: residual('G') };
}
