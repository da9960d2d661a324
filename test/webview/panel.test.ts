// The built inspection panel in headless Chromium, fed by a fake host: every view shows the numbers it was given,
// highlighting follows the threshold, the Invert view sends the right requests, bad messages do no harm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { InspectReport } from '../../protocol/inspectReport';
import { contentSecurityPolicy, panelHtml } from '../../extension/panel/panelHtml';
import { exploreResult, largeReport, progressEvents, smallReport } from './fixtures';
import { angleOf, fmtAngle, fmtBytes, fmtCount, fmtError, fmtPercent, fmtRatio } from './formatRules';
import { hostMessage, pageErrors, posted, send, showView, tableRows, tileValues, usePanelPages } from './harness';

const openPage = usePanelPages();

async function panelWith(report: InspectReport, threshold?: number): Promise<Page> {
  const page = await openPage();
  if (threshold !== undefined) await send(page, hostMessage({ type: 'settings', errorThreshold: threshold }));
  await send(page, hostMessage({ type: 'report', report }));
  return page;
}

function flaggedIds(report: InspectReport, threshold: number): string[] {
  return report.blocks.filter((b) => b.reconstruction !== null && !(Math.max(b.reconstruction.maxAbs, b.reconstruction.chainMaxAbs) <= threshold)).map((b) => b.id);
}

describe('panel page', () => {
  it('is built with a strict content security policy', () => {
    const html = panelHtml({ cspSource: 'https://file+.vscode-resource.example', nonce: 'abcdefghijklmnop0123', scriptUri: 'https://x/dist/webview.js', styleUris: ['https://x/media/panel.css'] });
    const csp = contentSecurityPolicy('https://file+.vscode-resource.example', 'abcdefghijklmnop0123');
    assert.ok(html.includes(`content="${csp}"`));
    assert.match(csp, /^default-src 'none'; script-src 'nonce-abcdefghijklmnop0123'; style-src https:\/\/file\+\.vscode-resource\.example;/);
    assert.match(csp, /img-src https:\/\/file\+\.vscode-resource\.example data:/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(html, /<script nonce="abcdefghijklmnop0123" src="https:\/\/x\/dist\/webview.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.throws(() => panelHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUris: [] }), /nonce/);
    assert.throws(() => panelHtml({ cspSource: "x 'unsafe-inline'", nonce: 'abcdefghijklmnop0123', scriptUri: '', styleUris: [] }), /cspSource/);
  });

  it('loads under that policy, says ready, and draws every view without errors or violations', async () => {
    const page = await panelWith(largeReport());
    for (const view of ['overview', 'reconstruction', 'memory', 'gradients', 'training', 'invert']) await showView(page, view);
    assert.deepEqual(await pageErrors(page), []);
    const types = (await posted(page)).map((m) => m.type);
    assert.equal(types[0], 'ready');
    await page.close();
  });
});

describe('overview: where the weights came from', () => {
  it('never says "fresh weights" beside a weights file; an import says verified or UNVERIFIED', async () => {
    const base = smallReport();
    const withModel = (model: Partial<InspectReport['model']>): InspectReport => {
      const report = structuredClone(base);
      delete report.model.lastTraining;
      delete report.model.weightsPath;
      Object.assign(report.model, model);
      return report;
    };
    const cases: [InspectReport, RegExp][] = [
      [withModel({}), /^not trained \(fresh weights\)$/],
      [withModel({ weightsPath: '/m/a.safetensors' }), /^no training record \(weights from the file\)$/],
      [withModel({ weightsPath: '/m/a.safetensors', imported: { source: 'state.safetensors', verified: false } }), /^imported from state\.safetensors, UNVERIFIED/],
      [
        withModel({ weightsPath: '/m/a.safetensors', imported: { source: 'state.safetensors', verified: true, maxAbsDifference: 2.19e-5, tolerance: 7.3e-3 } }),
        /^imported from state\.safetensors, verified, logits agree with the source model to 2\.19e-5 \(tolerance 7\.30e-3\)$/,
      ],
    ];
    for (const [report, expected] of cases) {
      const page = await panelWith(report);
      const text = (await tileValues(page, '[data-view="overview"]'))['training'] ?? '';
      assert.match(text, expected);
      if (report.model.weightsPath !== undefined) assert.doesNotMatch(text, /fresh/);
      await page.close();
    }
  });
});

for (const [label, report] of [['small report', smallReport()], ['revnet-164-sized report', largeReport()]] as const)
describe(`views show the numbers they were given: ${label} (${report.model.name}, ${report.blocks.length} blocks)`, () => {

  it('overview: model facts and one row per block', async () => {
    const page = await panelWith(report);
    const tiles = await tileValues(page, '[data-view="overview"]');
    assert.equal(tiles['params'], fmtCount(report.model.params));
    assert.equal(tiles['backend'], report.backend);
    assert.equal(tiles['config'], report.model.configPath ?? (report.model.preset ? `preset ${report.model.preset}` : '—'));
    assert.equal(tiles['invertible'], report.model.invertibleParts.join(', '));
    const rows = await tableRows(page, '#overview-blocks');
    assert.deepEqual(rows.map((r) => r[0]), report.blocks.map((b) => b.id));
    assert.deepEqual(rows.map((r) => r[5]), report.blocks.map((b) => fmtCount(b.params)));
    assert.deepEqual(rows.map((r) => r[7]), report.blocks.map((b) => fmtBytes(b.memory.storedBytes)));
    assert.deepEqual(rows.map((r) => r[3]), report.blocks.map((b) => b.inputShape.join('×')));
    await page.close();
  });

  it('reconstruction: every block’s one-block and chain errors', async () => {
    const page = await panelWith(report);
    await showView(page, 'reconstruction');
    const rows = await tableRows(page, '#reconstruction-blocks');
    assert.equal(rows.length, report.blocks.length);
    report.blocks.forEach((b, i) => {
      const r = b.reconstruction;
      const expected = r ? [fmtError(r.maxAbs), fmtError(r.relL2), fmtError(r.chainMaxAbs), fmtError(r.chainRelL2), `${r.worstChannel.index}: ${fmtError(r.worstChannel.maxAbs)}`] : ['—', '—', '—', '—', '—'];
      assert.deepEqual(rows[i].slice(0, 1).concat(rows[i].slice(2, 7)), [b.id, ...expected], `row of ${b.id}`);
    });
    // the channel detail of a selected invertible block: its worst channels, largest first
    const block = report.blocks.find((b) => b.reconstruction !== null)!;
    await page.click(`#reconstruction-blocks button[data-block="${block.id}"]`);
    const channels = await tableRows(page, '#worst-channels');
    const order = block.reconstruction!.channelMaxAbs.map((v, c) => [v, c] as const).sort((a, b) => b[0] - a[0]).slice(0, 8);
    assert.deepEqual(channels.map((r) => [Number(r[0]), r[1], r[2]]), order.map(([v, c]) => [c, fmtError(v), fmtError(block.reconstruction!.channelChainMaxAbs[c])]));
    await page.click('#all-channels summary');
    // the table is built on the details' toggle event, which the browser fires in a later task
    await page.waitForSelector('#all-channels table tbody tr');
    const all = await tableRows(page, '#all-channels table');
    assert.equal(all.length, block.reconstruction!.channelMaxAbs.length);
    await page.close();
  });

  it('reconstruction: the flagged blocks follow the threshold setting', async () => {
    const errors = report.blocks.flatMap((b) => (b.reconstruction ? [Math.max(b.reconstruction.maxAbs, b.reconstruction.chainMaxAbs)] : [])).sort((a, b) => a - b);
    // thresholds between the measured errors, so each flags a different, known set
    const thresholds = [0.25, 0.6, 0.9].map((q) => errors[Math.floor(q * errors.length)] * 1.0001);
    const page = await panelWith(report, thresholds[0]);
    await showView(page, 'reconstruction');
    const seen: string[][] = [];
    for (const threshold of thresholds) {
      await send(page, hostMessage({ type: 'settings', errorThreshold: threshold }));
      const flagged = await page.$$eval('#reconstruction-blocks tbody tr.flagged', (rows) => rows.map((r) => (r as HTMLElement).dataset['block'] ?? ''));
      assert.deepEqual(flagged, flaggedIds(report, threshold), `threshold ${threshold}`);
      const summary = await page.textContent('#threshold-summary');
      assert.match(summary ?? '', new RegExp(`${flaggedIds(report, threshold).length} of ${errors.length} invertible blocks flagged`));
      seen.push(flagged);
    }
    assert.notDeepEqual(seen[0], seen[2]);
    await showView(page, 'overview');
    assert.equal((await tileValues(page, '[data-view="overview"]'))['flagged'], `${flaggedIds(report, thresholds[2]).length} of ${report.blocks.length} with reconstruction max |Δ| over ${thresholds[2].toExponential(2)}`);
    await page.close();
  });

  it('memory: totals, measured peaks, recompute cost, per-block bytes, depth and the timeline’s peaks', async () => {
    const page = await panelWith(report);
    await showView(page, 'memory');
    const tiles = await tileValues(page, '[data-view="memory"]');
    const m = report.memory;
    assert.equal(tiles['storedTotal'], fmtBytes(m.storedBytesTotal));
    assert.equal(tiles['reversibleTotal'], fmtBytes(m.reversibleBytesTotal));
    assert.equal(tiles['standardPeak'], fmtBytes(m.standardPeakBytes));
    assert.equal(tiles['reversiblePeak'], fmtBytes(m.reversiblePeakBytes));
    assert.equal(tiles['peakRatio'], fmtRatio(m.standardPeakBytes / m.reversiblePeakBytes));
    assert.equal(tiles['recomputeCost'], fmtRatio(report.timing.reversibleStepMs / report.timing.standardStepMs));
    const rows = await tableRows(page, '#memory-blocks');
    assert.deepEqual(rows, report.blocks.map((b) => [b.id, b.kind, fmtBytes(b.memory.storedBytes), fmtBytes(b.memory.reversibleBytes)]));
    const depth = await tableRows(page, '#memory-depth');
    const sorted = [...m.depth].sort((a, b) => a.unitsPerStage - b.unitsPerStage);
    assert.deepEqual(depth, sorted.map((d) => [String(d.unitsPerStage), fmtBytes(d.standardPeakBytes), fmtBytes(d.reversiblePeakBytes), d.source]));
    let peak = { i: -1, bytes: -1 };
    report.timeline.standard.forEach((p, i) => {
      if (p.bytes > peak.bytes) peak = { i, bytes: p.bytes };
    });
    const text = await page.textContent('#timeline-peaks');
    const point = report.timeline.standard[peak.i];
    assert.ok(text?.includes(`Standard peak ${fmtBytes(peak.bytes)} at kernel ${peak.i} (${point.kernel}, ${point.block})`), text ?? '');
    await page.close();
  });

  it('gradients: per-block fidelity, and per parameter for the selected block', async () => {
    const page = await panelWith(report);
    await showView(page, 'gradients');
    const rows = await tableRows(page, '#gradient-blocks');
    assert.deepEqual(rows.map((r) => [r[0], r[2], r[3], r[4], r[5]]), report.blocks.map((b) => [b.id, fmtError(b.gradient.relErr), fmtError(1 - b.gradient.cosine), fmtAngle(angleOf(b.gradient.cosine)), String(b.gradient.perParameter.length)]));
    const block = report.blocks[Math.floor(report.blocks.length / 2)];
    await page.click(`#gradient-blocks button[data-block="${block.id}"]`);
    await page.waitForFunction((id) => document.querySelector('#gradient-detail h3')?.textContent === `Parameters of ${id}`, block.id);
    const params = await tableRows(page, '#gradient-parameters');
    assert.deepEqual(params, block.gradient.perParameter.map((p) => [p.name, fmtError(p.relErr), fmtError(1 - p.cosine), fmtAngle(angleOf(p.cosine))]));
    await page.close();
  });

  it('training: follows progress messages live', async () => {
    const page = await panelWith(report);
    await showView(page, 'training');
    const events = progressEvents('run-1');
    for (const event of events.slice(0, 4)) await send(page, hostMessage({ type: 'progress', event }));
    assert.equal((await tileValues(page, '#training-tiles'))['loss'], events[3].loss.toFixed(4));
    // the engine counts steps from the start of the run: the fourth step of the first epoch
    assert.equal((await tileValues(page, '#training-tiles'))['step'], '4 / 5 (4 in all)');
    for (const event of events.slice(4)) await send(page, hostMessage({ type: 'progress', event }));
    const last = events[events.length - 1];
    const tiles = await tileValues(page, '#training-tiles');
    assert.equal(tiles['loss'], last.loss.toFixed(4));
    assert.equal(tiles['accuracy'], fmtPercent(last.accuracy));
    assert.equal(tiles['testAccuracy'], fmtPercent(0.91));
    assert.equal(tiles['examplesPerSecond'], last.examplesPerSecond.toFixed(1));
    assert.equal(tiles['memory'], fmtBytes(last.memoryBytes));
    assert.equal(tiles['state'], 'finished');
    assert.equal(tiles['step'], `${last.step} in all`);
    const ends = events.filter((e) => e.kind !== 'step');
    const epochRows = await tableRows(page, '#training-epochs');
    assert.deepEqual(epochRows.map((r) => [r[1], r[3]]), ends.map((e) => [e.loss.toFixed(4), e.testAccuracy !== undefined ? fmtPercent(e.testAccuracy) : '—']));
    // updates arrived as cheap appends, not whole redraws
    const times = await page.evaluate(() => (window as unknown as { __revnetRenderTimes: Record<string, number[]> }).__revnetRenderTimes);
    assert.equal((times['training:progress'] as number[] | undefined)?.length, events.length);
    // a new run starts fresh curves
    await send(page, hostMessage({ type: 'progress', event: { ...events[0], runId: 'run-2', loss: 9.5 } }));
    assert.equal((await tileValues(page, '#training-tiles'))['loss'], '9.5000');
    assert.deepEqual(await tableRows(page, '#training-epochs'), []);
    await page.close();
  });
});

describe('invert view', () => {
  it('sends explore requests with the chosen edits, shows the answer, and asks to save tensors', async () => {
    const report = smallReport();
    const page = await panelWith(report);
    await showView(page, 'invert');
    const count = () => posted(page).then((m) => m.filter((x) => x.type === 'explore'));
    await page.locator('#invert-sample input').fill('5');
    await page.click('#invert-run');
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'explore'));
    assert.deepEqual((await count()).map(({ id: _id, ...m }) => m), [{ type: 'explore', source: { sample: 5 }, edits: [] }]);

    const result = exploreResult(3);
    await send(page, hostMessage({ type: 'exploreResult', result }));
    const tiles = await tileValues(page, '#invert-result');
    assert.equal(tiles['maxAbs'], fmtError(result.maxAbs));
    assert.equal(tiles['relL2'], fmtError(result.relL2));
    assert.equal(tiles['label'], '7');
    const canvases = await page.$$eval('#invert-result figure canvas.tensor:not(.legend)', (list) => list.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]));
    assert.deepEqual(canvases, [[28, 28], [4 * 8 - 1, 4 * 8 - 1], [31, 31], [28, 28], [28, 28]]);
    // the heat map's brightest pixel is where |input − inverted| is largest
    const argmax = result.difference.data.indexOf(Math.max(...result.difference.data));
    const brightest = await page.$eval('[data-tensor="difference"] canvas.tensor:not(.legend)', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let best = 0;
      for (let p = 0; p < data.length / 4; p++) if (data[p * 4] + data[p * 4 + 1] + data[p * 4 + 2] > data[best * 4] + data[best * 4 + 1] + data[best * 4 + 2]) best = p;
      return best;
    });
    assert.equal(brightest, argmax);

    await page.click('#invert-zero');
    await page.locator('#invert-zeroChannels input').fill('1, 3-4');
    await page.click('#invert-scale');
    await page.locator('#invert-scaleChannels input').fill('2');
    await page.locator('#invert-scaleFactor input').fill('0.5');
    await page.click('#invert-noise');
    await page.locator('#invert-noiseStd input').fill('0.05');
    await page.locator('#invert-noiseSeed input').fill('7');
    await page.click('#invert-interpolate');
    await page.locator('#invert-otherSample input').fill('9');
    await page.locator('#invert-t input').fill('0.25');
    await page.click('#invert-run');
    const second = (await count()).at(1);
    assert.deepEqual(second?.['edits'], [
      { kind: 'zeroChannels', channels: [1, 3, 4] },
      { kind: 'scaleChannels', channels: [2], factor: 0.5 },
      { kind: 'noise', std: 0.05, seed: 7 },
      { kind: 'interpolate', otherSample: 9, t: 0.25 },
    ]);
    assert.deepEqual(second['source'], { sample: 5 });

    // a channel the output does not have (16 channels) is refused in the panel, nothing is sent
    await page.locator('#invert-zeroChannels input').fill('16');
    await page.click('#invert-run');
    assert.equal((await count()).length, 2);
    assert.match((await page.textContent('#invert-error')) ?? '', /channel 16 does not exist: the output has channels 0-15/);
    await page.locator('#invert-zeroChannels input').fill('0');
    await page.click('#invert-pick');
    assert.deepEqual((await count())[2]?.['source'], { pickFile: true });

    for (const which of ['input', 'output', 'edited', 'inverted', 'difference']) await page.click(`#save-${which}`);
    const saves = (await posted(page)).filter((m) => m.type === 'saveTensor').map((m) => m['which']);
    assert.deepEqual(saves, ['input', 'output', 'edited', 'inverted', 'difference']);
    await send(page, hostMessage({ type: 'saved', path: '/tmp/inverted.npy' }));
    assert.equal(await page.textContent('#status'), 'Saved /tmp/inverted.npy');

    await send(page, hostMessage({ type: 'busy', busy: true, what: 'Inverting' }));
    assert.equal(await page.$eval('#invert-run', (b) => (b as unknown as { disabled: boolean }).disabled), true);
    await send(page, hostMessage({ type: 'busy', busy: false }));
    assert.equal(await page.$eval('#invert-run', (b) => (b as unknown as { disabled: boolean }).disabled), false);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });
});

describe('selection and state', () => {
  const report = smallReport();

  it('a block clicked in one view is selected in all and reported to the host; the host can select one', async () => {
    const page = await panelWith(report);
    const target = report.blocks[report.blocks.length - 1].id;
    await page.click(`#overview-blocks button[data-block="${target}"]`);
    const selected = (await posted(page)).filter((m) => m.type === 'blockSelected');
    assert.deepEqual(selected.map((m) => m['blockId']), [target]);
    await showView(page, 'memory');
    assert.deepEqual(await page.$$eval('#memory-blocks tr.selected', (rows) => rows.map((r) => (r as HTMLElement).dataset['block'])), [target]);
    const other = report.blocks[0].id;
    await send(page, hostMessage({ type: 'selectBlock', blockId: other }));
    assert.deepEqual(await page.$$eval('#memory-blocks tr.selected', (rows) => rows.map((r) => (r as HTMLElement).dataset['block'])), [other]);
    assert.equal(await page.$eval('#block-select', (s) => (s as unknown as { value: string }).value), other);
    // the host's selection is not echoed back
    assert.equal((await posted(page)).filter((m) => m.type === 'blockSelected').length, 1);
    const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(state, { view: 'memory', selectedBlock: other, modelKey: report.model.configPath ?? report.model.name });
    await page.close();
  });

  it('restores the view and the selected block from the kept state', async () => {
    const target = report.blocks[report.blocks.length - 1].id;
    const page = await openPage({ state: { view: 'gradients', selectedBlock: target } });
    await send(page, hostMessage({ type: 'report', report }));
    assert.equal(await page.$eval('vscode-tab-panel[data-view="gradients"]', (p) => (p as HTMLElement).hidden), false);
    await page.waitForSelector('#gradient-blocks');
    assert.deepEqual(await page.$$eval('#gradient-blocks tr.selected', (rows) => rows.map((r) => (r as HTMLElement).dataset['block'])), [target]);
    assert.equal(await page.textContent('#gradient-detail h3'), `Parameters of ${target}`);
    await page.close();
  });
});

describe('robustness', () => {
  it('ignores malformed and unknown messages and keeps working; shows host errors', async () => {
    const report = smallReport();
    const page = await panelWith(report);
    const bad: unknown[] = [
      null,
      42,
      'report',
      { type: 'nonsense', id: 1 },
      { type: 'report', id: 2, report: { model: {} } },
      { type: 'report', id: 3, report: { ...report, blocks: [{ id: 5 }] } },
      { type: 'settings', id: 4, errorThreshold: 'high' },
      { type: 'settings', id: 5, errorThreshold: -1 },
      { type: 'selectBlock', id: 6 },
      { type: 'showView', id: 7, view: 'nowhere' },
      { type: 'exploreResult', id: 8, result: { input: { shape: [2, 2, 1], data: [1] } } },
      { type: 'progress', id: 9, event: { loss: 1 } },
      { type: 'busy', id: 10, busy: 'yes' },
    ];
    for (const message of bad) await send(page, message);
    const ignored = await page.evaluate(() => (window as unknown as { __revnetIgnoredMessages: string[] }).__revnetIgnoredMessages);
    assert.equal(ignored.length, bad.length, ignored.join('\n'));
    // the report shown is still the good one, and the page still answers
    const rows = await tableRows(page, '#overview-blocks');
    assert.deepEqual(rows.map((r) => r[0]), report.blocks.map((b) => b.id));
    await send(page, hostMessage({ type: 'selectBlock', blockId: 'no.such.block' }));
    await send(page, hostMessage({ type: 'selectBlock', blockId: report.blocks[1].id }));
    assert.deepEqual(await page.$$eval('#overview-blocks tr.selected', (r) => r.map((x) => (x as HTMLElement).dataset['block'])), [report.blocks[1].id]);
    await send(page, hostMessage({ type: 'error', message: 'The engine stopped: out of memory' }));
    assert.equal(await page.$eval('#error', (e) => (e as HTMLElement).hidden), false);
    assert.equal(await page.textContent('#error-text'), 'The engine stopped: out of memory');
    await page.click('#error-dismiss');
    assert.equal(await page.$eval('#error', (e) => (e as HTMLElement).hidden), true);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });
});
