// Places every box the Architecture view draws, in graph coordinates, for a given set of expanded stages and
// units: the spine (input, stem, squeezes, stages, head), the units inside expanded stages, the coupling inside
// expanded units. Pure (dagre is plain JavaScript), so layout stability is tested without a browser.
import type { ArchitectureModel, Coupling, Piece, ResidualFunction, UnitNode } from './architectureModel';
import { couplingOf } from './architectureModel';
import { type Box, type Laid, layoutChain, layoutCoupling, type Point, SIZES } from './layout';

export type SceneKind = 'input' | 'stem-conv' | 'squeeze' | 'head' | 'stage' | 'stage-frame' | 'unit' | 'unit-frame' | 'part' | 'function';

export interface SceneNode {
  /** unique in the scene: "stage2", "stage2.unit3", "stage2.unit3/F" */
  id: string;
  kind: SceneKind;
  box: Box;
  label: string;
  detail: string;
  /** the unit (block) this node is, or is inside */
  unit?: UnitNode;
  piece?: Piece;
  /** F or G, with its layers */
  fn?: ResidualFunction;
  invertible: boolean;
  reached: boolean;
}

export interface Scene {
  width: number;
  height: number;
  nodes: SceneNode[];
  edges: Point[][];
  /** the band covering what `revnet invert` runs back through, and the node where it stops */
  reach: Box | undefined;
  stop: SceneNode | undefined;
}

export interface Expansion {
  stages: ReadonlySet<string>;
  units: ReadonlySet<string>;
}

const shape = (s: readonly number[]) => s.join('×');

function partLabel(part: string, c: Coupling, unit: UnitNode): { label: string; detail: string } {
  const half = `${(unit.block.inputShape[2] ?? 0) / 2} ch`;
  switch (part) {
    case 'split': return { label: 'split x → (x1, x2)', detail: shape(unit.block.inputShape) };
    case 'x1': return { label: 'x1', detail: half };
    case 'x2': return { label: 'x2', detail: half };
    case 's1': return { label: 'S(x1)', detail: c.shortcut ?? '' };
    case 's2': return { label: 'S(x2)', detail: c.shortcut ?? '' };
    case 'add1': return { label: c.transition ? 'y1 = S(x1) + F(x2)' : 'y1 = x1 + F(x2)', detail: '' };
    case 'add2': return { label: c.transition ? 'y2 = S(x2) + G(y1)' : 'y2 = x2 + G(y1)', detail: '' };
    case 'concat': return { label: 'y = (y1, y2)', detail: shape(unit.block.outputShape) };
    default: return { label: part, detail: '' };
  }
}

interface Sized { id: string; width: number; height: number; place(x: number, y: number, out: Scene): void }

function offset(points: Point[], dx: number, dy: number): Point[] {
  return points.map((p) => ({ x: p.x + dx, y: p.y + dy }));
}

function placeChildren(laid: Laid, children: Sized[], x: number, y: number, out: Scene): void {
  for (const child of children) {
    const box = laid.boxes.get(child.id);
    if (box) child.place(x + box.x, y + box.y, out);
  }
  for (const edge of laid.edges) out.edges.push(offset(edge.points, x, y));
}

function unitItem(unit: UnitNode, expanded: boolean, width: number): Sized {
  const base = { unit, invertible: unit.invertible, reached: unit.reached };
  const detail = `${unit.block.kind} · ${unit.block.residual}`;
  if (!expanded) {
    return {
      id: unit.id, width, height: SIZES.nodeHeight,
      place: (x, y, out) => out.nodes.push({ id: unit.id, kind: 'unit', box: { x, y, width, height: SIZES.nodeHeight }, label: unit.id, detail, ...base }),
    };
  }
  const coupling = couplingOf(unit.block);
  const laid = layoutCoupling(coupling);
  const frameWidth = Math.max(width, laid.width + 2 * SIZES.framePad);
  const height = SIZES.frameHeader + laid.height + 2 * SIZES.framePad;
  return {
    id: unit.id, width: frameWidth, height,
    place: (x, y, out) => {
      out.nodes.push({ id: unit.id, kind: 'unit-frame', box: { x, y, width: frameWidth, height }, label: unit.id, detail, ...base });
      const innerX = x + (frameWidth - laid.width) / 2;
      const innerY = y + SIZES.frameHeader + SIZES.framePad;
      for (const [part, box] of laid.boxes) {
        const placed = { x: innerX + box.x, y: innerY + box.y, width: box.width, height: box.height };
        if (part === 'F' || part === 'G') {
          const fn = part === 'F' ? coupling.f : coupling.g;
          out.nodes.push({ id: `${unit.id}/${part}`, kind: 'function', box: placed, label: part, detail: `${fn.inChannels} → ${fn.outChannels} ch`, fn, ...base });
        } else {
          out.nodes.push({ id: `${unit.id}/${part}`, kind: 'part', box: placed, ...partLabel(part, coupling, unit), ...base });
        }
      }
      for (const edge of laid.edges) out.edges.push(offset(edge.points, innerX, innerY));
    },
  };
}

function stageItem(piece: Extract<Piece, { kind: 'stage' }>, expansion: Expansion): Sized {
  const transitions = piece.units.filter((u) => !u.invertible).length;
  const last = piece.units.at(-1);
  const detail = `${piece.units.length} units${transitions ? `, ${transitions} transition` : ''} · out ${last ? shape(last.block.outputShape) : '?'}`;
  const reached = piece.units.some((u) => u.reached);
  const invertible = piece.units.every((u) => u.invertible);
  if (!expansion.stages.has(piece.id)) {
    return {
      id: piece.id, width: SIZES.spineWidth, height: SIZES.stageHeight,
      place: (x, y, out) => out.nodes.push({ id: piece.id, kind: 'stage', box: { x, y, width: SIZES.spineWidth, height: SIZES.stageHeight }, label: piece.id, detail, piece, invertible, reached }),
    };
  }
  const inner = SIZES.spineWidth - 2 * SIZES.framePad;
  const children = piece.units.map((u) => unitItem(u, expansion.units.has(u.id), inner));
  const laid = layoutChain(children);
  const width = Math.max(SIZES.spineWidth, laid.width + 2 * SIZES.framePad);
  const height = SIZES.frameHeader + laid.height + 2 * SIZES.framePad;
  return {
    id: piece.id, width, height,
    place: (x, y, out) => {
      out.nodes.push({ id: piece.id, kind: 'stage-frame', box: { x, y, width, height }, label: piece.id, detail, piece, invertible, reached });
      placeChildren(laid, children, x + (width - laid.width) / 2, y + SIZES.frameHeader + SIZES.framePad, out);
    },
  };
}

function simpleItem(piece: Exclude<Piece, { kind: 'stage' }>): Sized {
  let label: string;
  let detail: string;
  let invertible = false;
  let reached = false;
  switch (piece.kind) {
    case 'input':
      label = 'input';
      detail = shape(piece.shape);
      break;
    case 'stem-conv':
      label = 'stem: conv 3×3';
      detail = `${shape(piece.inShape)} → ${shape(piece.outShape)}`;
      break;
    case 'squeeze':
      label = piece.id === 'stem' ? 'stem: squeeze 2×2' : `${piece.id} 2×2`;
      detail = `${shape(piece.inShape)} → ${shape(piece.outShape)}`;
      invertible = piece.invertible;
      reached = piece.reached;
      break;
    case 'head':
      label = 'head: BN · ReLU · pool · dense';
      detail = `${shape(piece.inShape)} → ${piece.classes} classes`;
      break;
  }
  const kind = piece.kind;
  return {
    id: piece.id, width: SIZES.spineWidth, height: SIZES.nodeHeight,
    place: (x, y, out) => out.nodes.push({ id: piece.id, kind, box: { x, y, width: SIZES.spineWidth, height: SIZES.nodeHeight }, label, detail, piece, invertible, reached }),
  };
}

export function buildScene(model: ArchitectureModel, expansion: Expansion): Scene {
  const items = model.pieces.map((piece) => (piece.kind === 'stage' ? stageItem(piece, expansion) : simpleItem(piece)));
  const laid = layoutChain(items, SIZES.chainGap + 4);
  const scene: Scene = { width: laid.width, height: laid.height, nodes: [], edges: [], reach: undefined, stop: undefined };
  placeChildren(laid, items, 0, 0, scene);

  // the band of what `revnet invert` runs back through: from the first visible reached node to the trunk's end
  const trunkKinds = new Set<SceneKind>(['stem-conv', 'squeeze', 'stage', 'unit', 'unit-frame']);
  const trunk = scene.nodes.filter((n) => trunkKinds.has(n.kind) || (n.kind === 'stage-frame'));
  const reached = trunk.filter((n) => n.reached && n.kind !== 'stage-frame');
  const lastTrunk = scene.nodes.filter((n) => n.kind === 'stage' || n.kind === 'stage-frame').pop();
  const firstReached = reached.at(0);
  if (firstReached && lastTrunk) {
    const top = firstReached.box.y - 4;
    const bottom = lastTrunk.box.y + lastTrunk.box.height + 4;
    scene.reach = { x: -14, y: top, width: laid.width + 28, height: bottom - top };
  }
  if (model.invertStopsAt !== undefined) {
    const stop = model.invertStopsAt;
    scene.stop = scene.nodes.find((n) => n.id === stop) ?? scene.nodes.find((n) => n.kind === 'stage' && (n.piece as { units: UnitNode[] }).units.some((u) => u.id === stop));
  }
  return scene;
}
