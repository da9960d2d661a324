// The Memory view's recompute cost: the median ratio and its spread over the repeats when the report has them,
// the plain ratio for older reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smallReport } from './fixtures';
import { fmtRatio } from './formatRules';
import { hostMessage, pageErrors, send, showView, tileValues, usePanelPages } from './harness';

const openPage = usePanelPages();

describe('recompute cost', () => {
  it('shows the median ratio with its min-max over the repeats, and the plain ratio for an older report', async () => {
    const report = smallReport();
    const spread = { median: 1.3271, min: 1.1049, max: 1.6132, repeats: 5 };
    const page = await openPage({ width: 400 });
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
