// The Architecture view's graph model and layout, without a browser: every block of the report becomes one unit
// node in order (against the engine's analysis of the preset's config), the invert reach matches a walk over that
// analysis, F's layers follow the report's parameter names, and expanding a node leaves the rest of the layout
// where it was (earlier nodes fixed, later ones moved by one common offset along the chain).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../../engine/model/analysis';
import { presetConfig } from '../../../../engine/model/presets';
import type { InspectReport } from '../../../../protocol/inspectReport';
import { buildArchitecture, couplingOf } from '../../../../webview/graph/architectureModel';
import { colorAt, makeScale, PALETTE } from '../../../../webview/graph/colorScale';
import { listMeasures } from '../../../../webview/graph/measures';
import { buildScene, type Scene } from '../../../../webview/graph/scene';

const report = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'reports', `${name}.json`), 'utf8')) as InspectReport;

function boxes(scene: Scene): Map<string, { x: number; y: number; width: number; height: number }> {
  return new Map(scene.nodes.map((n) => [n.id, n.box]));
}

describe('architecture graph model', () => {
  for (const name of ['mnist-tiny', 'revnet-164']) {
    it(`${name}: units and squeezes match the engine's analysis of the preset, invert stops where the analysis says`, () => {
      const r = report(name);
      const analysis = analyzeModel(presetConfig(r.model.preset ?? ''));
      const model = buildArchitecture(r);
      assert.deepEqual(model.units.map((u) => [u.id, u.invertible]), analysis.units.map((u) => [u.id, u.invertible]));
      const squeezes = model.pieces.filter((p) => p.kind === 'squeeze').map((p) => p.id);
      assert.deepEqual(squeezes, analysis.pieces.filter((p) => p.kind === 'squeeze').map((p) => p.id));
      // the analysis's parts that invert, restricted to units: exactly the unit nodes marked invertible
      const lastNotInvertible = [...analysis.units].reverse().find((u) => !u.invertible);
      const stemInvertible = analysis.pieces.find((p) => p.id === 'stem')?.invertible ?? false;
      assert.equal(model.invertStopsAt, lastNotInvertible?.id ?? (stemInvertible ? undefined : 'stem'));
      const reached = model.units.filter((u) => u.reached).map((u) => u.id);
      const cut = lastNotInvertible ? analysis.units.indexOf(lastNotInvertible) + 1 : 0;
      assert.deepEqual(reached, analysis.units.slice(cut).map((u) => u.id));
    });
  }

  it('F and G list the layers whose parameters the report names; the first unit has no bn1 in F', () => {
    const r = report('revnet-164');
    for (const block of [r.blocks[0], r.blocks[1], r.blocks[9]]) {
      const coupling = couplingOf(block);
      for (const fn of [coupling.f, coupling.g]) {
        const prefix = `${block.id}.${fn.name.toLowerCase()}.`;
        const named = [...new Set(block.gradient.perParameter.filter((p) => p.name.startsWith(prefix)).map((p) => p.name.slice(prefix.length).split('.')[0]))];
        assert.deepEqual(fn.layers.map((l) => l.name).sort(), named.sort(), `${block.id} ${fn.name}`);
      }
      assert.equal(coupling.transition, block.kind === 'transition');
    }
  });

  it('measures are read from whatever numeric fields the blocks have, new ones included', () => {
    const r = report('mnist-tiny');
    const blocks = r.blocks.map((b, i) => ({ ...b, stability: { inverseLipschitz: 1 + i, note: 'x' } }));
    const keys = listMeasures(blocks).map((m) => m.key);
    for (const key of ['params', 'flops', 'reconstruction.maxAbs', 'reconstruction.chainMaxAbs', 'gradient.cosine', 'memory.storedBytes', 'memory.reversibleBytes', 'stability.inverseLipschitz']) {
      assert.ok(keys.includes(key), `${key} in ${keys.join(', ')}`);
    }
    assert.ok(!keys.includes('stage') && !keys.includes('unit'));
    const lipschitz = listMeasures(blocks).find((m) => m.key === 'stability.inverseLipschitz');
    assert.deepEqual(blocks.map((b) => lipschitz?.value(b)), blocks.map((_b, i) => 1 + i));
  });

  it('the color scale is log when the values span two decades, and runs from the palette’s first color to its last', () => {
    const log = makeScale([1e-7, 1e-6, 1e-4]);
    assert.equal(log?.kind, 'log');
    assert.equal(log.position(1e-7), 0);
    assert.equal(log.position(1e-4), 1);
    assert.ok(Math.abs((log.position(1e-6) ?? NaN) - 1 / 3) < 1e-12);
    assert.equal(makeScale([1, 5, 50])?.kind, 'linear');
    assert.deepEqual(colorAt(0), [...PALETTE[0]]);
    assert.deepEqual(colorAt(1), [...PALETTE[PALETTE.length - 1]]);
  });
});

describe('architecture layout', () => {
  it('expanding a unit keeps every other node in place along the chain', () => {
    const model = buildArchitecture(report('revnet-164'));
    const stages = new Set(['stage1', 'stage2', 'stage3']);
    const before = buildScene(model, { stages, units: new Set() });
    const after = buildScene(model, { stages, units: new Set(['stage2.unit3']) });
    const a = boxes(before);
    const b = boxes(after);
    const order = before.nodes.map((n) => n.id);
    const at = order.indexOf('stage2.unit3');
    const later = order.slice(at + 1).filter((id) => !['stage2', 'stage3'].includes(id));
    const dx = (b.get('input')?.x ?? 0) - (a.get('input')?.x ?? 0);
    const dy = (b.get(later[0])?.y ?? 0) - (a.get(later[0])?.y ?? 0);
    assert.ok(dy > 100, 'the nodes after the expanded unit move down');
    for (const id of order) {
      if (id === 'stage2.unit3' || id === 'stage2' || id === 'stage3' || id === 'head') continue;
      const p = a.get(id);
      const q = b.get(id);
      assert.ok(p && q, id);
      assert.ok(Math.abs(q.x - p.x - dx) < 0.5, `${id} keeps its place across (moved ${q.x - p.x} vs ${dx})`);
      const expectedDy = order.indexOf(id) < at ? 0 : dy;
      if (!id.startsWith('stage3') || id.includes('unit')) assert.ok(Math.abs(q.y - p.y - expectedDy) < 0.5, `${id} moves by ${q.y - p.y}, expected ${expectedDy}`);
    }
    assert.ok(after.nodes.some((n) => n.id === 'stage2.unit3/F') && after.nodes.some((n) => n.id === 'stage2.unit3/G'));
  });
});
