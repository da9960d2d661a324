// The Stability view in headless Chromium, fed a report recorded from `revnet inspect --stability --reference
// float64` (test/fixtures/reports/mnist-small-stability.json): every block's numbers as the engine wrote them,
// usable at 400 px in light and dark themes (its content fits; wide tables scroll in their own box) without page errors or CSP violations, and a clear note when the
// inspection has no stability measurements.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { InspectReport } from '../../protocol/inspectReport';
import { smallReport } from './fixtures';
import { fmtError } from './formatRules';
import { artifacts, ensureBundle, hostMessage, launchBrowser, openPanel, type PanelServer, pageErrors, send, showView, startServer, tableRows } from './harness';

let browser: Browser;
let server: PanelServer;

function recordedStability(): InspectReport {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'reports', 'mnist-small-stability.json'), 'utf8')) as InspectReport;
}

before(async () => {
  await ensureBundle();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe('stability view', () => {
  it('shows every block’s measured, predicted, float64 and probe chain errors and Lipschitz constants', async () => {
    const report = recordedStability();
    const stability = report.stability;
    assert.ok(stability !== undefined, 'the fixture has a stability report');
    const page = await openPanel(browser, server);
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
      const page = await openPanel(browser, server, { theme, width: 400, height: 900 });
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
    const page = await openPanel(browser, server);
    await send(page, hostMessage({ type: 'report', report: smallReport() }));
    await showView(page, 'stability');
    const text = await page.textContent('#stability-missing');
    assert.match(text ?? '', /--stability/);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });
});
