// Layout with dagre (@dagrejs/dagre), one level at a time: a unit's coupling graph on its own (memoized by
// its shape, so revnet-164's 27 units cost two or three layouts), and chains of boxes (a stage's units, the
// network's spine) whose sizes come from the level below. A global compound layout of revnet-164 fully
// expanded took 10-13 s with dagre and 3 s with elkjs (bench/graphLayout.ts); level by level it is fast, and
// expanding one box only moves what comes after it along the chain.
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { Coupling } from './architectureModel';

export interface Point { x: number; y: number }
/** top-left corner and size */
export interface Box { x: number; y: number; width: number; height: number }
export interface Laid { width: number; height: number; boxes: Map<string, Box>; edges: { from: string; to: string; points: Point[] }[] }

export const SIZES = {
  spineWidth: 250,
  nodeHeight: 40,
  stageHeight: 46,
  frameHeader: 30,
  framePad: 10,
  chainGap: 18,
  small: { width: 74, height: 26 },
  wide: { width: 150, height: 26 },
  fnHeader: 22,
  fnRow: 18,
  fnWidth: 160,
} as const;

interface Sized { id: string; width: number; height: number }

/** edges listed in `heavy` are kept short first (dagre's weight), e.g. split → x1 so x1 and x2 sit side by side */
function runDagre(nodes: Sized[], edges: [string, string][], options: { nodesep: number; ranksep: number }, heavy: ReadonlySet<string> = new Set()): Laid {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>();
  g.setGraph({ rankdir: 'TB', nodesep: options.nodesep, ranksep: options.ranksep, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const [a, b] of edges) g.setEdge(a, b, { weight: heavy.has(`${a}>${b}`) ? 4 : 1 });
  dagre.layout(g);
  const boxes = new Map<string, Box>();
  for (const n of nodes) {
    const laid = g.node(n.id);
    // dagre.layout gives every node its centre
    boxes.set(n.id, { x: (laid.x ?? 0) - n.width / 2, y: (laid.y ?? 0) - n.height / 2, width: n.width, height: n.height });
  }
  const laidEdges = edges.map(([from, to]) => ({ from, to, points: (g.edge(from, to).points ?? []).map((p) => ({ x: p.x, y: p.y })) }));
  const graph = g.graph();
  return { width: graph.width ?? 0, height: graph.height ?? 0, boxes, edges: laidEdges };
}

/** a vertical chain of boxes, centered on one axis */
export function layoutChain(items: Sized[], gap: number = SIZES.chainGap): Laid {
  if (items.length === 0) return { width: 0, height: 0, boxes: new Map(), edges: [] };
  const edges = items.slice(1).map((item, i) => [(items[i]).id, item.id] as [string, string]);
  return runDagre(items, edges, { nodesep: 10, ranksep: gap });
}

/** the nodes of a coupling: split, x1, x2, (shortcuts), F, y1 = …, G, y2 = …, concat */
export function couplingNodes(c: Coupling): { nodes: Sized[]; edges: [string, string][] } {
  const fnHeight = (rows: number) => SIZES.fnHeader + rows * SIZES.fnRow + 6;
  const nodes: Sized[] = [
    { id: 'split', ...SIZES.wide },
    { id: 'x1', ...SIZES.small },
    { id: 'x2', ...SIZES.small },
    { id: 'F', width: SIZES.fnWidth, height: fnHeight(c.f.layers.length) },
    { id: 'add1', ...SIZES.wide },
    { id: 'G', width: SIZES.fnWidth, height: fnHeight(c.g.layers.length) },
    { id: 'add2', ...SIZES.wide },
    { id: 'concat', ...SIZES.wide },
  ];
  const edges: [string, string][] = [['split', 'x1'], ['split', 'x2'], ['x2', 'F'], ['F', 'add1'], ['add1', 'G'], ['G', 'add2'], ['add1', 'concat'], ['add2', 'concat']];
  if (c.shortcut !== undefined) {
    nodes.push({ id: 's1', ...SIZES.small }, { id: 's2', ...SIZES.small });
    edges.push(['x1', 's1'], ['s1', 'add1'], ['x2', 's2'], ['s2', 'add2']);
  } else {
    edges.push(['x1', 'add1'], ['x2', 'add2']);
  }
  return { nodes, edges };
}

const couplingCache = new Map<string, Laid>();

export function layoutCoupling(c: Coupling): Laid {
  const key = `${c.shortcut ?? '-'}|${c.f.layers.length}|${c.g.layers.length}`;
  let laid = couplingCache.get(key);
  if (laid === undefined) {
    const { nodes, edges } = couplingNodes(c);
    laid = runDagre(nodes, edges, { nodesep: 14, ranksep: 16 }, new Set(['split>x1', 'split>x2', 'x1>s1', 'x2>s2']));
    couplingCache.set(key, laid);
  }
  return laid;
}
