// Every view can be reached at 400 px: all tab headers lie inside the panel's width (they wrap onto more lines),
// in the light and the dark theme, and a click on the last one shows its view.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VIEW_NAMES } from '../../protocol/webviewMessages';
import { smallReport } from './fixtures';
import { artifacts, hostMessage, pageErrors, send, usePanelPages } from './harness';

const openPage = usePanelPages();

describe('the tab strip at 400 px', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`shows every tab header inside the panel (${theme})`, async () => {
      const page = await openPage({ theme, width: 400, height: 900 });
      await send(page, hostMessage({ type: 'report', report: smallReport() }));
      await page.locator(`vscode-tab-header[data-view="${VIEW_NAMES[0]}"]`).waitFor();
      const boxes = await page.locator('vscode-tab-header').evaluateAll((headers) =>
        headers.map((h) => {
          const box = h.getBoundingClientRect();
          return { view: (h as HTMLElement).dataset['view'], left: box.left, right: box.right, width: box.width };
        }),
      );
      assert.deepEqual(boxes.map((b) => b.view), [...VIEW_NAMES]);
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      const outside = boxes.filter((b) => b.width === 0 || b.left < 0 || b.right > width);
      assert.deepEqual(outside, [], `tab headers outside the ${width} px panel`);
      const last = VIEW_NAMES.at(-1) ?? 'overview';
      await page.locator(`vscode-tab-header[data-view="${last}"]`).click();
      await page.locator(`vscode-tab-panel[data-view="${last}"]:not([hidden])`).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(artifacts, `tabs-400-${theme}.png`) });
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    });
  }
});
