// The panel's states are true (issue 11), in headless Chromium with a fake host: a stopped run leaves
// "State: training" for "stopped at step N (checkpoint saved)"; numbers from random images say so; a failure
// is a banner over the last good numbers, which stay.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressEvents, smallReport } from './fixtures';
import { hostMessage, pageErrors, send, showView, tableRows, tileValues, usePanelPages } from './harness';

const openPage = usePanelPages();

describe('panel states', () => {
  it('a run stopped mid-epoch reads "stopped at step N (checkpoint saved)", never "training"', async () => {
    const page = await openPage();
    await send(page, hostMessage({ type: 'report', report: smallReport() }));
    await showView(page, 'training');
    const events = progressEvents('run-stop').filter((e) => e.kind === 'step').slice(0, 3);
    for (const event of events) await send(page, hostMessage({ type: 'progress', event }));
    assert.equal((await tileValues(page, '#training-tiles'))['state'], 'training');
    const step = events[events.length - 1]?.step ?? -1;
    await send(page, hostMessage({ type: 'runEnded', end: { status: 'cancelled', text: `Training stopped at step ${step} (checkpoint saved).`, step } }));
    assert.equal((await tileValues(page, '#training-tiles'))['state'], `stopped at step ${step} (checkpoint saved)`);
    // a new run is "training" again
    await send(page, hostMessage({ type: 'progress', event: { ...events[0], runId: 'run-next' } }));
    assert.equal((await tileValues(page, '#training-tiles'))['state'], 'training');
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });

  it('says plainly when the numbers come from random images, and not otherwise', async () => {
    const page = await openPage();
    const real = smallReport();
    await send(page, hostMessage({ type: 'report', report: real }));
    assert.equal(await page.$eval('#random-data-notice', (e) => (e as HTMLElement).hidden), !real.data.startsWith('random'));
    await send(page, hostMessage({ type: 'report', report: { ...real, data: 'random (64, seed 0), test split, images 0-15' } }));
    assert.equal(await page.$eval('#random-data-notice', (e) => (e as HTMLElement).hidden), false);
    assert.match((await page.textContent('#random-data-notice')) ?? '', /random images.*revnet\.defaultData/s);
    await send(page, hostMessage({ type: 'report', report: { ...real, data: 'mnist, test split, images 0-15' } }));
    assert.equal(await page.$eval('#random-data-notice', (e) => (e as HTMLElement).hidden), true);
    await page.close();
  });

  it('a failed request shows a banner and the last good numbers stay', async () => {
    const page = await openPage();
    const report = smallReport();
    await send(page, hostMessage({ type: 'report', report }));
    await send(page, hostMessage({ type: 'busy', busy: true, what: 'inspecting' }));
    await send(page, hostMessage({ type: 'error', message: 'Inspect failed: mnist: images are 28x28x1 but model "revnet-38" takes 32x32x3' }));
    await send(page, hostMessage({ type: 'busy', busy: false }));
    assert.equal(await page.$eval('#error', (e) => (e as HTMLElement).hidden), false);
    assert.match((await page.textContent('#error-text')) ?? '', /Inspect failed/);
    const rows = await tableRows(page, '#overview-blocks');
    assert.deepEqual(rows.map((r) => r[0]), report.blocks.map((b) => b.id));
    assert.equal(await page.textContent('#busy'), '');
    await page.close();
  });

  it('draws a history read from the run folder in place of what was drawn, with how the run ended', async () => {
    const page = await openPage();
    await showView(page, 'training');
    const live = progressEvents('run-live').slice(0, 2);
    for (const event of live) await send(page, hostMessage({ type: 'progress', event }));
    const events = progressEvents('run-file');
    const stopped = events.filter((e) => e.kind !== 'done');
    const last = stopped.at(-1);
    await send(page, hostMessage({ type: 'history', events: stopped, end: { status: 'cancelled', text: 'stopped', step: last?.step }, file: '/runs/x/history.jsonl' }));
    const tiles = await tileValues(page, '#training-tiles');
    assert.equal(tiles['state'], `stopped at step ${last?.step} (checkpoint saved)`);
    assert.equal(tiles['loss'], last?.loss.toFixed(4));
    const epochRows = await tableRows(page, '#training-epochs');
    assert.equal(epochRows.length, stopped.filter((e) => e.kind === 'epoch').length);
    assert.equal(await page.$eval('#training-empty', (e) => (e as HTMLElement).hidden), true);
    assert.deepEqual(await pageErrors(page), []);
    await page.close();
  });

  it('never says "No inspection yet" while an inspection runs', async () => {
    const page = await openPage();
    assert.match((await page.textContent('.no-report')) ?? '', /No inspection yet/);
    await send(page, hostMessage({ type: 'busy', busy: true, what: 'inspecting' }));
    assert.equal(await page.textContent('#busy'), 'inspecting…');
    assert.doesNotMatch((await page.textContent('.no-report')) ?? '', /No inspection yet/);
    await send(page, hostMessage({ type: 'busy', busy: false }));
    assert.match((await page.textContent('.no-report')) ?? '', /No inspection yet/);
    await page.close();
  });
});
