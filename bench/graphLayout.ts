// Measures the two layout libraries considered for the panel's Architecture view on revnet-164's graph
// (27 units; every unit expanded to its coupling with F's and G's layers: the worst case the view draws):
// layout time (median of 7 runs after a warm-up) and the bytes each adds to a minified browser bundle.
//   npm install --no-save elkjs && node --import tsx bench/graphLayout.ts
// (elkjs is not a dependency of the project: the view uses dagre; without elkjs its rows are skipped)
import { build } from 'esbuild';
import dagre from '@dagrejs/dagre';

interface FlatGraph { nodes: { id: string; parent?: string; width: number; height: number }[]; edges: [string, string][] }

/** revnet-164: stem, 3 stages of 9 bottleneck units, head; each unit x1, x2, F (3 layers), +, G (3 layers), + */
function revnet164(): FlatGraph {
  const nodes: FlatGraph['nodes'] = [{ id: 'stem', width: 120, height: 32 }];
  const edges: [string, string][] = [];
  let previous = 'stem';
  for (let s = 1; s <= 3; s++) {
    nodes.push({ id: `stage${s}`, width: 0, height: 0 });
    for (let u = 0; u < 9; u++) {
      const id = `stage${s}.unit${u}`;
      const p = (n: string) => `${id}.${n}`;
      nodes.push({ id, parent: `stage${s}`, width: 0, height: 0 });
      for (const n of ['x1', 'x2', 'add1', 'add2', 'y1', 'y2']) nodes.push({ id: p(n), parent: id, width: 60, height: 28 });
      for (const fn of ['f', 'g']) {
        nodes.push({ id: p(fn), parent: id, width: 0, height: 0 });
        for (let l = 1; l <= 3; l++) nodes.push({ id: p(`${fn}.l${l}`), parent: p(fn), width: 110, height: 26 });
        edges.push([p(`${fn}.l1`), p(`${fn}.l2`)], [p(`${fn}.l2`), p(`${fn}.l3`)]);
      }
      edges.push([previous, p('x1')], [previous, p('x2')], [p('x2'), p('f.l1')], [p('f.l3'), p('add1')], [p('x1'), p('add1')], [p('add1'), p('y1')],
        [p('y1'), p('g.l1')], [p('g.l3'), p('add2')], [p('x2'), p('add2')], [p('add2'), p('y2')]);
      previous = p('y2');
    }
  }
  nodes.push({ id: 'head', width: 120, height: 32 });
  edges.push([previous, 'head']);
  return { nodes, edges };
}

function dagreLayout(graph: FlatGraph): void {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: 'TB', nodesep: 16, ranksep: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const n of graph.nodes) if (n.parent) g.setParent(n.id, n.parent);
  for (const [a, b] of graph.edges) g.setEdge(a, b);
  dagre.layout(g);
}

interface ElkApi { layout(graph: unknown): Promise<unknown> }
let ELK: (new () => ElkApi) | undefined;

async function elkLayout(graph: FlatGraph): Promise<void> {
  if (!ELK) return;
  const elk = new ELK();
  interface ElkNode { id: string; width?: number; height?: number; children: ElkNode[] }
  const byId = new Map<string, ElkNode>();
  const root: ElkNode = { id: 'root', children: [] };
  for (const n of graph.nodes) byId.set(n.id, { id: n.id, ...(n.width ? { width: n.width, height: n.height } : {}), children: [] });
  const nodeOf = (id: string): ElkNode => {
    const node = byId.get(id);
    if (node === undefined) throw new Error(`graph node ${id} is not in the graph`);
    return node;
  };
  for (const n of graph.nodes) (n.parent ? nodeOf(n.parent) : root).children.push(nodeOf(n.id));
  await elk.layout({
    ...root,
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN' },
    edges: graph.edges.map(([a, b], i) => ({ id: `e${i}`, sources: [a], targets: [b] })),
  });
}

/** the same graph laid out level by level, as the view does: each unit's coupling alone (not compound), then the spine */
function byLevel(graph: FlatGraph): FlatGraph[] {
  const units = graph.nodes.filter((n) => /^stage\d\.unit\d$/.test(n.id)).map((n) => n.id);
  const pieces = units.map((unit) => {
    const inside = (id: string) => id.startsWith(`${unit}.`);
    const nodes = graph.nodes.filter((n) => inside(n.id) && n.width > 0).map(({ id, width, height }) => ({ id, width, height }));
    return { nodes, edges: graph.edges.filter(([a, b]) => inside(a) && inside(b)) };
  });
  const spine = ['stem', ...units, 'head'];
  pieces.push({ nodes: spine.map((id) => ({ id, width: 300, height: 300 })), edges: spine.slice(1).map((id, i) => [spine[i], id] as [string, string]) });
  return pieces;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(run: () => unknown): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function bundleBytes(source: string): Promise<number> {
  const result = await build({ stdin: { contents: source, resolveDir: process.cwd() }, bundle: true, minify: true, format: 'iife', platform: 'browser', write: false });
  return result.outputFiles[0].contents.byteLength;
}

async function main(): Promise<void> {
  const elkModule = 'elkjs/lib/elk.bundled.js';
  ELK = await import(elkModule).then((m: { default: new () => ElkApi }) => m.default, () => undefined);
  if (!ELK) console.log('elkjs is not installed: its rows are skipped (npm install --no-save elkjs)');
  const graph = revnet164();
  const leaves = graph.nodes.filter((n) => n.width > 0).length;
  console.log(`revnet-164, every unit expanded: ${graph.nodes.length} nodes (${leaves} leaves), ${graph.edges.length} edges`);
  console.log(`dagre  layout median of 7: ${(await time(() => dagreLayout(graph))).toFixed(1)} ms`);
  if (ELK) console.log(`elkjs  layout median of 7: ${(await time(() => elkLayout(graph))).toFixed(1)} ms`);
  const levels = byLevel(graph);
  console.log(`by level (${levels.length} small graphs, ${levels.reduce((n, l) => n + l.nodes.length, 0)} nodes):`);
  console.log(`dagre  layout median of 7: ${(await time(() => levels.forEach(dagreLayout))).toFixed(1)} ms`);
  if (ELK) console.log(`elkjs  layout median of 7: ${(await time(async () => { for (const level of levels) await elkLayout(level); })).toFixed(1)} ms`);
  console.log(`dagre  minified bundle: ${(await bundleBytes("import d from '@dagrejs/dagre'; console.log(d.layout);")) / 1000} kB`);
  if (ELK) console.log(`elkjs  minified bundle: ${(await bundleBytes("import E from 'elkjs/lib/elk.bundled.js'; console.log(new E());")) / 1000} kB`);
}

void main();
