// The Architecture view in headless Chromium: its nodes against the engine's own analysis of the preset's config
// (not the view's graph code), the overlay's colors read back from the DOM against the report's values, a click
// and the keyboard selecting blocks (the message the host receives), no CSP violation; screenshots in light and
// dark at 400 px and full width (artifacts/webview/), and the render time for revnet-164.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { analyzeModel } from '../../engine/model/analysis';
import { presetConfig } from '../../engine/model/presets';
import type { InspectReport } from '../../protocol/inspectReport';
import { largeReport, smallReport } from './fixtures';
import { artifacts, hostMessage, pageErrors, posted, send, showView, type ThemeName, usePanelPages } from './harness';

const openPage = usePanelPages();

async function architecture(report: InspectReport, options: { theme?: ThemeName; width?: number; threshold?: number } = {}): Promise<Page> {
  const page = await openPage({ theme: options.theme ?? 'dark', width: options.width ?? 1200 });
  await send(page, hostMessage({ type: 'settings', errorThreshold: options.threshold ?? 1e-5 }));
  await send(page, hostMessage({ type: 'report', report }));
  await showView(page, 'architecture');
  await page.waitForSelector('#arch-graph g.arch-node');
  return page;
}

async function expandStages(page: Page): Promise<void> {
  await page.click('#arch-expand');
  await page.waitForFunction(() => document.querySelectorAll('#arch-graph g.kind-stage').length === 0);
}

/** what the engine says the preset's config holds, from engine/model/analysis.ts */
function expected(report: InspectReport) {
  const preset = report.model.preset;
  assert.ok(preset, `the fixture ${report.model.name} names its preset`);
  const analysis = analyzeModel(presetConfig(preset));
  // `revnet invert` from the trunk's output: back through trailing invertible steps, stopping at the first that is not
  const trunk = [...analysis.pieces.filter((p) => p.kind !== 'head').map((p) => ({ id: p.id, invertible: p.invertible }))];
  const squeezes = analysis.pieces.filter((p) => p.kind === 'squeeze' && p.id !== 'stem');
  const order: { id: string; invertible: boolean }[] = [];
  const stem = trunk.find((p) => p.id === 'stem');
  if (stem) order.push(stem);
  for (const unit of analysis.units) {
    const squeeze = squeezes.find((p) => p.id === `stage${unit.stage}.squeeze`);
    if (squeeze && unit.unit === 0) order.push({ id: squeeze.id, invertible: squeeze.invertible });
    order.push({ id: unit.id, invertible: unit.invertible });
  }
  let stop: string | undefined;
  for (let i = order.length - 1; i >= 0; i--) {
    if (!order[i].invertible) {
      stop = order[i].id;
      break;
    }
  }
  return { analysis, stop, stages: new Set(analysis.units.map((u) => u.stage)).size };
}

for (const [label, report] of [['mnist-tiny', smallReport()], ['revnet-164', largeReport()]] as const) {
  describe(`Architecture view: ${label} (${report.blocks.length} blocks)`, () => {
    it('has one node per block of the config, in order, with the config’s kinds, squeezes, stem and where invert stops', async () => {
      const { analysis, stop, stages } = expected(report);
      const page = await architecture(report);
      const deep = report.blocks.length > 12;
      const collapsedStages = await page.$$eval('#arch-graph g.kind-stage', (nodes) => nodes.map((n) => (n as SVGGElement).dataset['node']));
      assert.equal(collapsedStages.length, deep ? stages : 0, deep ? 'a deep model starts with its stages collapsed' : 'a shallow model starts expanded');
      await expandStages(page);
      const blocks = await page.$$eval('#arch-graph g.arch-node[data-block]', (nodes) =>
        nodes.map((n) => ({ id: (n as SVGGElement).dataset['block'] ?? '', invertible: n.classList.contains('invertible') })),
      );
      assert.deepEqual(blocks.map((b) => b.id), analysis.units.map((u) => u.id));
      assert.deepEqual(blocks.map((b) => b.invertible), analysis.units.map((u) => u.invertible));
      const squeezes = await page.$$eval('#arch-graph g.kind-squeeze', (nodes) => nodes.map((n) => (n as SVGGElement).dataset['node']));
      assert.deepEqual(squeezes, analysis.pieces.filter((p) => p.kind === 'squeeze').map((p) => p.id));
      assert.equal(await page.$$eval('#arch-graph g.kind-stem-conv', (n) => n.length), analysis.pieces.filter((p) => p.kind === 'stem-conv').length);
      assert.equal(await page.$$eval('#arch-graph g.kind-head', (n) => n.length), 1);
      const legend = await page.textContent('#arch-legend');
      if (stop === undefined) assert.match(legend ?? '', /reaches the image/);
      else assert.ok(legend?.includes(`runs back to ${stop} (stops there)`), `legend names ${stop}: ${legend}`);
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    });

    it('colors each block along the scale by its value (read back from the DOM)', async () => {
      const page = await architecture(report);
      await expandStages(page);
      for (const key of ['reconstruction.chainMaxAbs', 'gradient.relErr', 'params', 'memory.storedBytes']) {
        await page.$eval('#arch-measure', (select, value) => {
          (select as unknown as { value: string }).value = value;
          select.dispatchEvent(new Event('change'));
        }, key);
        const path = key.split('.');
        const values = report.blocks.map((b) => path.reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k]), b) as number | undefined);
        const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        const min = Math.min(...present);
        const max = Math.max(...present);
        const log = min > 0 && Math.log10(max / min) >= 2;
        assert.equal(await page.getAttribute('#arch-scale', 'data-scale'), log ? 'log' : 'linear', `${key}: scale kind`);
        assert.match((await page.textContent('#arch-scale')) ?? '', log ? /log scale/ : /linear scale/);
        const stops = await page.$$eval('#arch-legend stop', (list) =>
          list.map((s) => ({ offset: Number(s.getAttribute('offset')), rgb: (s.getAttribute('stop-color') ?? '').match(/\d+/g)?.map(Number) ?? [] })),
        );
        const fills = await page.$$eval('#arch-graph g.arch-node[data-block]', (nodes) =>
          nodes.map((n) => (n.querySelector(':scope > rect.arch-value')?.getAttribute('fill') ?? '').match(/\d+/g)?.map(Number)),
        );
        // where along the legend's gradient each fill lies: the nearest point on its piecewise-linear path
        const along = (color: number[]): { t: number; distance: number } => {
          let best = { t: NaN, distance: Infinity };
          for (let i = 0; i + 1 < stops.length; i++) {
            const a = stops[i].rgb;
            const b = stops[i + 1].rgb;
            for (let k = 0; k <= 200; k++) {
              const f = k / 200;
              const d = Math.hypot(...[0, 1, 2].map((c) => a[c] + f * (b[c] - a[c]) - color[c]));
              if (d < best.distance) best = { t: stops[i].offset + f * (stops[i + 1].offset - stops[i].offset), distance: d };
            }
          }
          return best;
        };
        values.forEach((value, i) => {
          const fill = fills[i];
          if (value === undefined || !Number.isFinite(value)) {
            assert.equal(fill, undefined, `${key}: ${report.blocks[i].id} has no value and no color`);
            return;
          }
          assert.ok(fill, `${key}: ${report.blocks[i].id} has a color`);
          const { t, distance } = along(fill);
          assert.ok(distance < 3, `${key}: ${report.blocks[i].id}'s fill ${fill.join(',')} lies on the legend's scale`);
          const want = max === min ? 0.5 : log ? (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : (value - min) / (max - min);
          assert.ok(Math.abs(t - want) < 0.02, `${key}: ${report.blocks[i].id} value ${value} at ${t.toFixed(3)} on the scale, expected ${want.toFixed(3)}`);
        });
      }
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    });

    it('a click on a node selects that block (the host is told), the keyboard moves and expands', async () => {
      const page = await architecture(report);
      await expandStages(page);
      const target = report.blocks[Math.min(4, report.blocks.length - 2)];
      const node = `#arch-graph g.arch-node[data-block="${target.id}"]`;
      
      await page.click('#arch-fit');
      await page.click(node);
      await page.waitForFunction((id) => (window as unknown as { __posted: { type: string; blockId?: string }[] }).__posted.some((m) => m.type === 'blockSelected' && m.blockId === id), target.id);
      assert.equal(await page.getAttribute(`#arch-graph g.arch-node[data-block="${target.id}"]`, 'aria-current'), 'true');
      // arrows: the next block; Enter expands it in place to its coupling (F and G with their layers)
      await page.focus('#arch-graph');
      await page.keyboard.press('ArrowDown');
      const next = report.blocks[report.blocks.indexOf(target) + 1];
      const messages = await posted(page);
      assert.deepEqual(messages.filter((m) => m.type === 'blockSelected').map((m) => m['blockId']), [target.id, next.id]);
      await page.keyboard.press('Enter');
      await page.waitForSelector(`#arch-graph g.kind-unit-frame[data-block="${next.id}"]`);
      const layers = await page.$$eval(`#arch-graph g.kind-function[data-node="${next.id}/F"] g.arch-layer`, (rows) => rows.map((r) => (r as SVGGElement).dataset['layer']));
      const fNames = new Set(next.gradient.perParameter.filter((p) => p.name.startsWith(`${next.id}.f.`)).map((p) => p.name.split('.')[3]));
      assert.deepEqual(new Set(layers), fNames, 'F’s layers are the ones whose parameters the report lists');
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    });
  });
}

describe('Architecture view: look and speed', () => {
  it('screenshots, light and dark, 400 px and full width', async () => {
    const report = largeReport();
    for (const theme of ['light', 'dark'] as const) {
      for (const width of [400, 1200]) {
        const page = await architecture(report, { theme, width, threshold: 1e-6 });
        await send(page, hostMessage({ type: 'selectBlock', blockId: 'stage3.unit2' }));
        await page.waitForSelector('#arch-graph g.arch-node.selected');
        await page.dblclick('#arch-graph g.arch-node[data-block="stage3.unit2"]', { position: { x: 60, y: 12 } });
        await page.waitForSelector('#arch-graph g.kind-unit-frame');
        await page.screenshot({ path: join(artifacts, `architecture-${theme}-${width}.png`), fullPage: true });
        assert.deepEqual(await pageErrors(page), []);
        await page.close();
      }
    }
  });

  it('render time for revnet-164 (median of several renders)', async (t) => {
    const report = largeReport();
    const page = await architecture(report);
    for (let i = 0; i < 7; i++) await send(page, hostMessage({ type: 'report', report }));
    await page.click('#arch-expand');
    for (let i = 0; i < 6; i++) {
      await page.click('#arch-collapse');
      await page.click('#arch-expand');
    }
    const times = await page.evaluate(() => (window as unknown as { __revnetRenderTimes: Record<string, number[]> }).__revnetRenderTimes);
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const view = times['architecture'] ?? [];
    assert.ok(view.length >= 7);
    // the last 12 draws alternate collapse, expand: keep the expanded ones
    const draws = (times['architecture:draw'] ?? []).slice(-12).filter((_d, i) => i % 2 === 1);
    t.diagnostic(`revnet-164 Architecture view, whole render (stages collapsed): median ${median(view.slice(-7)).toFixed(1)} ms of ${view.slice(-7).length}`);
    t.diagnostic(`revnet-164 Architecture graph draw, every stage expanded: median ${median(draws).toFixed(1)} ms of ${draws.length}`);
    await page.close();
  });
});
