// Keyboard reach of every control, re-colouring on a theme change, screenshots of every view in light and dark
// (artifacts/webview/, git-ignored), and the render time of every view for a revnet-164-sized report.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { exploreResult, largeReport, progressEvents, smallReport, stressReport } from './fixtures';
import { artifacts, hostMessage, pageErrors, send, showView, THEME_CLASS, type ThemeName, usePanelPages } from './harness';

const VIEWS = ['overview', 'reconstruction', 'memory', 'gradients', 'training', 'invert'] as const;
const openPage = usePanelPages();

async function filledPanel(theme: ThemeName, report = largeReport()): Promise<Page> {
  const page = await openPage({ theme });
  await send(page, hostMessage({ type: 'settings', errorThreshold: 1e-5 }));
  await send(page, hostMessage({ type: 'report', report }));
  await send(page, hostMessage({ type: 'selectBlock', blockId: report.blocks[1].id }));
  for (const event of progressEvents('run-1')) await send(page, hostMessage({ type: 'progress', event }));
  await send(page, hostMessage({ type: 'exploreResult', result: exploreResult(3) }));
  return page;
}

/** a name for the focused element: the outermost element holding focus (a custom element, not its shadow insides) */
function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    if (!a || a === document.body) return 'body';
    const radioGroup = a.closest('vscode-radio-group');
    if (radioGroup) return `vscode-radio-group#${radioGroup.id}`;
    return `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}${a.dataset['block'] ? `[${a.dataset['block']}]` : ''}${a.dataset['view'] ? `[${a.dataset['view']}]` : ''}`;
  });
}

describe('keyboard', () => {
  it('Tab reaches every control of every view, with a visible focus ring', async () => {
    const report = smallReport();
    const page = await filledPanel('dark', report);
    for (const view of VIEWS) {
      await showView(page, view);
      await page.$eval(`vscode-tab-panel[data-view="${view}"] details`, (d) => ((d as HTMLDetailsElement).open = false)).catch(() => undefined);
      const controls = await page.$$eval(
        `header.top vscode-single-select, vscode-tab-panel[data-view="${view}"] :is(vscode-button, vscode-textfield, vscode-checkbox, vscode-radio-group, vscode-single-select, button, summary)`,
        (list) =>
          list
            .filter((e) => (e as HTMLElement).offsetParent !== null)
            .map((e) => {
              const h = e as HTMLElement;
              return `${h.tagName.toLowerCase()}${h.id ? `#${h.id}` : ''}${h.dataset['block'] ? `[${h.dataset['block']}]` : ''}`;
            }),
      );
      assert.ok(controls.length > 0, `${view} has controls`);
      await page.focus(`vscode-tab-header[data-view="${view}"]`);
      const reached = new Set<string>();
      let ringsMissing: string[] = [];
      for (let i = 0; i < controls.length + 20; i++) {
        await page.keyboard.press('Tab');
        const focus = await describeFocus(page);
        reached.add(focus);
        if (focus.startsWith('button')) {
          const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
          if (outline === 'none') ringsMissing.push(focus);
        }
      }
      const missing = controls.filter((c) => !reached.has(c));
      assert.deepEqual(missing, [], `${view}: not reached by Tab`);
      assert.deepEqual(ringsMissing, [], `${view}: focused without a visible outline`);
      ringsMissing = [];
    }
    // the tab headers themselves: arrow keys move between views (the ARIA tabs pattern)
    await page.click('vscode-tab-header[data-view="overview"]');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['view']), 'reconstruction');
    await page.keyboard.press('Enter');
    assert.equal(await page.$eval('vscode-tab-panel[data-view="reconstruction"]', (p) => (p as HTMLElement).hidden), false);
    await page.close();
  });
});

describe('themes', () => {
  it('re-reads the theme colours and redraws when the body’s theme class changes', async () => {
    const page = await filledPanel('dark');
    await showView(page, 'reconstruction');
    const before = await page.evaluate(() => (window as unknown as { __revnetTheme: { foreground: string; red: string } }).__revnetTheme);
    const renders = await page.evaluate(() => (window as unknown as { __revnetRenderTimes: Partial<Record<string, number[]>> }).__revnetRenderTimes['reconstruction']?.length ?? 0);
    await page.evaluate((cls) => (document.body.className = cls), THEME_CLASS.light);
    await page.waitForFunction((n) => ((window as unknown as { __revnetRenderTimes: Partial<Record<string, number[]>> }).__revnetRenderTimes['reconstruction']?.length ?? 0) > n, renders);
    const afterTheme = await page.evaluate(() => (window as unknown as { __revnetTheme: { foreground: string; red: string } }).__revnetTheme);
    assert.equal(before.foreground, '#cccccc');
    assert.equal(afterTheme.foreground, '#3b3b3b');
    assert.equal(afterTheme.red, '#e51400');
    await page.close();
  });
});

describe('look and speed', () => {
  it('saves a screenshot of every view in light, dark and high-contrast themes', async () => {
    for (const theme of ['light', 'dark', 'high-contrast'] as const) {
      const page = await filledPanel(theme);
      for (const view of VIEWS) {
        if (theme === 'high-contrast' && view !== 'reconstruction') continue;
        await showView(page, view);
        const path = join(artifacts, `${theme}-${view}.png`);
        await page.screenshot({ path, fullPage: true });
      }
      assert.deepEqual(await pageErrors(page), []);
      await page.close();
    }
  });

  for (const [label, report] of [['revnet-164', largeReport()], ['revnet-164-stress', stressReport()]] as const)
  it(`measures the render time of every view: ${label} (${report.blocks.length} blocks, ${report.blocks[1].gradient.perParameter.length} parameter tensors per block)`, async () => {
    const page = await filledPanel('dark', report);
    const times: Record<string, number[]> = {};
    for (let round = 0; round < 3; round++) {
      for (const view of VIEWS) {
        await showView(page, view);
        // a selection change makes the view draw again: the second and third rounds time warm redraws
        const all = await page.evaluate(() => (window as unknown as { __revnetRenderTimes: Record<string, number[]> }).__revnetRenderTimes);
        times[view] = all[view] ?? [];
      }
      await send(page, hostMessage({ type: 'selectBlock', blockId: report.blocks[(round * 7 + 3) % report.blocks.length].id }));
    }
    const all = await page.evaluate(() => (window as unknown as { __revnetRenderTimes: Record<string, number[]> }).__revnetRenderTimes);
    const summary = {
      report: { model: report.model.name, blocks: report.blocks.length, parameterTensorsPerBlock: report.blocks[1].gradient.perParameter.length, timelinePoints: report.timeline.standard.length + report.timeline.reversible.length },
      renderMs: all,
    };
    writeFileSync(join(artifacts, `render-times-${label}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`render times (ms), ${label}, ${report.blocks.length} blocks:`);
    for (const [view, list] of Object.entries(all)) console.log(`  ${view.padEnd(24)} ${list.map((t) => t.toFixed(1)).join(', ')}`);
    for (const view of VIEWS) assert.ok(((all[view] as number[] | undefined)?.length ?? 0) > 0, `${view} rendered`);
    await page.close();
  });
});
