// The Memory view's recompute cost: the median ratio and its spread over the repeats when the report has them,
// the plain ratio for older reports.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { smallReport } from './fixtures';
import { fmtRatio } from './formatRules';
import { ensureBundle, hostMessage, launchBrowser, openPanel, type PanelServer, pageErrors, send, showView, startServer, tileValues } from './harness';

let browser: Browser;
let server: PanelServer;

before(async () => {
  await ensureBundle();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await (browser as Browser | undefined)?.close();
  await (server as PanelServer | undefined)?.close();
});

describe('recompute cost', () => {
  it('shows the median ratio with its min-max over the repeats, and the plain ratio for an older report', async () => {
    const report = smallReport();
    const spread = { median: 1.3271, min: 1.1049, max: 1.6132, repeats: 5 };
    const page = await openPanel(browser, server, { width: 400 });
    await send(page, hostMessage({ type: 'report', report: { ...report, timing: { ...report.timing, recomputeRatio: spread } } }));
    await showView(page, 'memory');
    const tiles = await tileValues(page, 'vscode-tab-panel[data-view="memory"]');
    assert.equal(tiles['recomputeCost'], `${fmtRatio(spread.median)} (${fmtRatio(spread.min)}–${fmtRatio(spread.max)} over 5 repeats)`);
    await send(page, hostMessage({ type: 'report', report }));
    const older = await tileValues(page, 'vscode-tab-panel[data-view="memory"]');
    assert.equal(older['recomputeCost'], fmtRatio(report.timing.reversibleStepMs / report.timing.standardStepMs));
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });
});
