// The Stability view in headless Chromium, fed a report recorded from `revnet inspect --stability --reference
// float64` (test/fixtures/reports/mnist-small-stability.json): every block's numbers as the engine wrote them,
// usable at 400 px in light and dark themes (its content fits; wide tables scroll in their own box) without page errors or CSP violations, and a clear note when the
// inspection has no stability measurements.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { InspectReport } from '../../protocol/inspectReport';
import { smallReport } from './fixtures';
import { fmtError } from './formatRules';
import { artifacts, hostMessage, pageErrors, send, showView, tableRows, usePanelPages } from './harness';

const openPage = usePanelPages();

function recordedStability(): InspectReport {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'reports', 'mnist-small-stability.json'), 'utf8')) as InspectReport;
}

describe('stability view', () => {
  it('shows every block’s measured, predicted, float64 and probe chain errors and Lipschitz constants', async () => {
    const report = recordedStability();
    const stability = report.stability;
    assert.ok(stability !== undefined, 'the fixture has a stability report');
    const page = await openPage();
    await send(page, hostMessage({ type: 'report', report }));
    await showView(page, 'stability');
    const rows = await tableRows(page, '#stability-errors');
    assert.deepEqual(rows.map((r) => r[0]), stability.blocks.map((b) => b.id));
    assert.deepEqual(rows.map((r) => r[2]), stability.blocks.map((b) => fmtError(b.errors.chainRelL2)));
    assert.deepEqual(rows.map((r) => r[3]), stability.blocks.map((b) => fmtError(b.predictedChainRelL2)));
    assert.deepEqual(rows.map((r) => r[4]), stability.blocks.map((b) => fmtError(b.float64?.chainRelL2 ?? NaN)));
    const scaled5 = stability.probes.findIndex((p) => p.name === 'scaled-5');
    assert.ok(scaled5 >= 0);
    assert.deepEqual(rows.map((r) => r[5 + scaled5]), stability.blocks.map((b) => fmtError(b.probes['scaled-5']?.chainRelL2 ?? NaN)));
    const lip = await tableRows(page, '#stability-lipschitz');
    assert.deepEqual(lip.map((r) => r[1]?.replace('*', '')), stability.blocks.map((b) => b.forwardLipschitz.value.toFixed(2)));
    assert.deepEqual(lip.map((r) => r[2]?.replace('*', '')), stability.blocks.map((b) => b.inverseLipschitz.value.toFixed(2)));
    const parts = await tableRows(page, '#stability-parts');
    assert.deepEqual(parts.map((r) => r[0]), stability.parts.map((p) => p.id));
    // selecting a block from the table selects it everywhere
    const target = stability.blocks[1]?.id ?? '';
    await page.click(`#stability-errors button[data-block="${target}"]`);
    await page.waitForSelector(`#stability-errors tr.selected[data-block="${target}"]`);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`is usable at 400 px in the ${theme} theme (its content fits, charts drawn)`, async () => {
      const page = await openPage({ theme, width: 400, height: 900 });
      await send(page, hostMessage({ type: 'report', report: recordedStability() }));
      await showView(page, 'stability');
      // the view's own content fits; wide tables scroll inside their box (the tab strip above is the shell's)
      const outside = await page.$$eval('vscode-tab-panel[data-view="stability"] *', (list) =>
        list.filter((e) => e.closest('.table-scroll table') === null && e.getBoundingClientRect().right > 401).map((e) => `${e.tagName}#${e.id}`),
      );
      assert.deepEqual(outside, [], 'elements of the Stability view wider than 400 px');
      const canvases = await page.$$eval('vscode-tab-panel[data-view="stability"] canvas', (list) => list.map((c) => (c as HTMLCanvasElement).width));
      assert.equal(canvases.length, 2);
      assert.ok(canvases.every((w) => w > 0 && w <= 400 * 2));
      await page.screenshot({ path: join(artifacts, `stability-400-${theme}.png`), fullPage: true });
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    });
  }

  it('says how to get stability measurements when the report has none', async () => {
    const page = await openPage();
    await send(page, hostMessage({ type: 'report', report: smallReport() }));
    await showView(page, 'stability');
    const text = await page.textContent('#stability-missing');
    assert.match(text ?? '', /--stability/);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });
});

describe('training view stability heat map', () => {
  function events(): unknown[] {
    const base = { runId: 'run-1', epochs: 1, stepsPerEpoch: 40, loss: 1, accuracy: 0.5, examplesPerSecond: 10, memoryBytes: 1e6, backend: 'wasm', epoch: 0 };
    // stage1.unit1 grows from 1e-7 to 1e-3 over the run; stage1.unit0 stays at 1e-8
    return [10, 20, 30, 40].map((step, i) => ({
      ...base,
      kind: 'step',
      step,
      stability: {
        step,
        epoch: 0,
        elapsedMs: 5,
        blocks: [
          { id: 'stage1.unit0', oneBlockRelL2: 1e-8, chainRelL2: 1e-8, inverseLipschitz: 2 },
          { id: 'stage1.unit1', oneBlockRelL2: 1e-7, chainRelL2: 10 ** (-7 + (4 * i) / 3), inverseLipschitz: 3 + i },
        ],
      },
    }));
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`draws block × step cells whose redness follows the error, and the latest numbers (${theme}, 400 px)`, async () => {
      const page = await openPage({ theme, width: 400 });
      await showView(page, 'training');
      for (const event of events()) await send(page, hostMessage({ type: 'progress', event }));
      await page.waitForSelector('#training-stability-heatmap');
      const rows = await tableRows(page, '#training-stability-latest');
      assert.deepEqual(rows, [
        ['stage1.unit0', fmtError(1e-8), fmtError(1e-8), '2.00'],
        ['stage1.unit1', fmtError(1e-7), fmtError(1e-3), '6.00'],
      ]);
      // red minus blue in the middle of the cells: the last cell of the growing block is the reddest
      // a string, not a function: tsx's helpers (__name) do not exist in the page
      const redness = await page.evaluate(`(() => {
        const canvas = document.getElementById('training-stability-heatmap');
        const ctx = canvas.getContext('2d');
        const ratio = window.devicePixelRatio || 1;
        const css = canvas.width / ratio;
        return [[0, 0], [0, 3], [1, 0], [1, 3]].map(([row, column]) => {
          const x = Math.round((90 + ((css - 90) / 4) * (column + 0.5)) * ratio);
          const y = Math.round((row * 16 + 8) * ratio);
          const d = ctx.getImageData(x, y, 1, 1).data;
          return d[0] - d[2];
        });
      })()`);
      const [lowFirst, lowLast, growFirst, growLast] = redness as [number, number, number, number];
      assert.ok(growLast > growFirst + 50, `growing block: ${growFirst} → ${growLast}`);
      assert.ok(growLast > lowLast + 50 && Math.abs(lowFirst - lowLast) < 5, `steady block: ${lowFirst} → ${lowLast}`);
      await page.screenshot({ path: join(artifacts, `training-stability-400-${theme}.png`), fullPage: true });
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    });
  }
});
