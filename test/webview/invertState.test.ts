// The Invert view keeps its form, edit settings and last result across hiding and reloads (the page is rebuilt
// from vscode.getState), and draws an edited input and its reconstruction on one colour scale when asked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { ExploreResult } from '../../protocol/engineApi';
import { exploreResult, smallReport } from './fixtures';
import { artifacts, hostMessage, pageErrors, posted, send, showView, tileValues, usePanelPages } from './harness';
import { fmtError } from './formatRules';
import { join } from 'node:path';

const openPage = usePanelPages();

async function keptState(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as unknown as { __state: unknown }).__state);
}

async function invertPanel(state?: unknown, width?: number): Promise<Page> {
  const page = await openPage({ ...(state === undefined ? {} : { state }), ...(width === undefined ? {} : { width }) });
  await send(page, hostMessage({ type: 'report', report: smallReport() }));
  await showView(page, 'invert');
  return page;
}

async function fieldValue(page: Page, id: string): Promise<string> {
  return page.$eval(`#${id}`, (f) => (f as unknown as { value: string }).value);
}

async function checked(page: Page, id: string): Promise<boolean> {
  return page.$eval(`#${id}`, (b) => (b as unknown as { checked: boolean }).checked);
}

/** the grey level (red channel) of every pixel of a figure's canvas */
async function greys(page: Page, which: string): Promise<number[]> {
  return page.$eval(`[data-tensor="${which}"] canvas.tensor`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    return Array.from({ length: data.length / 4 }, (_, p) => data[p * 4]);
  });
}

/** a reconstruction three times as bright as its input, and an output whose channel 2 was scaled x3 */
function scaledResult(): ExploreResult {
  const base = exploreResult(5);
  const inverted = { ...base.input, data: base.input.data.map((v) => 3 * v) };
  const edited = { ...base.output, data: base.output.data.map((v, i) => (i % 16 === 2 ? 3 * v : v)) };
  const difference = { ...base.input, data: base.input.data.map((v, i) => Math.abs(v - inverted.data[i])) };
  return { ...base, inverted, edited, difference };
}

describe('invert view state', () => {
  it('form, edits and result come back when the page is rebuilt from its kept state (hidden, then reloaded)', async () => {
    const page = await invertPanel();
    await page.locator('#invert-sample input').fill('5');
    await page.click('#invert-scale');
    await page.locator('#invert-scaleChannels input').fill('2');
    await page.locator('#invert-scaleFactor input').fill('3');
    await page.click('#invert-noise');
    await page.locator('#invert-noiseStd input').fill('0.05');
    await page.click('#invert-run');
    const result = scaledResult();
    await send(page, hostMessage({ type: 'exploreResult', result }));
    await page.click('#invert-shared-scale');
    assert.equal(await checked(page, 'invert-shared-scale'), false);
    const state = await keptState(page);
    const sentEdits = (await posted(page)).find((m) => m.type === 'explore')?.['edits'];
    await page.close();

    // the page VS Code builds again when the panel is shown (or revived): only the kept state carries over
    const again = await invertPanel(state);
    assert.equal(await fieldValue(again, 'invert-sample'), '5');
    assert.equal(await checked(again, 'invert-scale'), true);
    assert.equal(await fieldValue(again, 'invert-scaleChannels'), '2');
    assert.equal(await fieldValue(again, 'invert-scaleFactor'), '3');
    assert.equal(await checked(again, 'invert-noise'), true);
    assert.equal(await fieldValue(again, 'invert-noiseStd'), '0.05');
    assert.equal(await checked(again, 'invert-zero'), false);
    assert.equal(await checked(again, 'invert-shared-scale'), false);
    const tiles = await tileValues(again, '#invert-result');
    assert.equal(tiles['maxAbs'], fmtError(result.maxAbs));
    assertClose(await greys(again, 'inverted'), greysOfOwnScale(result.inverted.data), 'inverted on its own scale');
    // restored tensors cannot be saved until the host holds them again; it re-sends them when it does
    assert.equal(await again.locator('#invert-restored').count(), 1);
    assert.equal(await again.locator('#save-input').count(), 0);
    await send(again, hostMessage({ type: 'exploreResult', result }));
    assert.equal(await again.locator('#invert-restored').count(), 0);
    assert.equal(await again.locator('#save-input').count(), 1);
    // the same edits go out again from the restored form
    await again.click('#invert-run');
    assert.deepEqual((await posted(again)).find((m) => m.type === 'explore')?.['edits'], sentEdits);
    assert.deepEqual(await pageErrors(again), []);
    await again.close();
  });

  it('a kept state of the wrong shape gives the defaults and no result, without errors', async () => {
    const page = await invertPanel({ view: 'invert', 'view:invert': { form: { sample: 7, scale: 'yes' }, sharedScale: 1 }, 'view:invertResult': { input: 3 } });
    assert.equal(await fieldValue(page, 'invert-sample'), '0');
    assert.equal(await checked(page, 'invert-scale'), false);
    assert.equal(await checked(page, 'invert-shared-scale'), true);
    assert.equal(await page.locator('#invert-result canvas').count(), 0);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });

  it('shared scale (default on): the input and its reconstruction on one scale, each figure saying its range', async () => {
    const result = scaledResult();
    const page = await invertPanel(undefined, 400);
    await send(page, hostMessage({ type: 'exploreResult', result }));
    assert.equal(await checked(page, 'invert-shared-scale'), true);
    // independent of the page: one min..max over both images, mapped to 0..255
    const all = [...result.input.data, ...result.inverted.data];
    const min = Math.min(...all);
    const max = Math.max(...all);
    const expected = (data: number[]): number[] => data.map((v) => Math.round(((v - min) * 255) / (max - min)));
    assertClose(await greys(page, 'input'), expected(result.input.data), 'input on the shared scale');
    assertClose(await greys(page, 'inverted'), expected(result.inverted.data), 'inverted on the shared scale');
    // x3 shows: the reconstruction's brightest pixel is about three times the input's above the floor
    assert.ok(Math.max(...(await greys(page, 'inverted'))) >= 250 && Math.max(...(await greys(page, 'input'))) < 100);
    const note = await page.textContent('[data-scale="input"]');
    assert.match(note ?? '', /values .* to .*; colour scale .* to .*, shared/);
    assert.match((await page.textContent('[data-scale="edited"]')) ?? '', /shared/);
    await page.screenshot({ path: join(artifacts, 'invert-shared-scale-400.png'), fullPage: true });

    await page.click('#invert-shared-scale');
    assert.equal(Math.max(...(await greys(page, 'input'))), 255);
    assert.equal(Math.max(...(await greys(page, 'inverted'))), 255);
    assert.match((await page.textContent('[data-scale="input"]')) ?? '', /scaled to its own range/);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });
});

function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
  assert.ok(worst <= 1, `${what}: off by ${worst} grey levels`);
}

/** grey levels of an image scaled to its own range, computed here */
function greysOfOwnScale(data: number[]): number[] {
  const min = Math.min(...data);
  const max = Math.max(...data);
  return data.map((v) => Math.round(((v - min) * 255) / (max - min)));
}
