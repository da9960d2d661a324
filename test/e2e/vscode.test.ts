// The extension in a real VS Code: code-server (VS Code 1.139 with a Node extension host) in Chromium,
// driven through the command palette, the explorer, hovers and the panel's webview.
// Set-up and caching: test/e2e/codeServer.ts. Screenshots of every step: artifacts/e2e/.
// The steps run in order and share one window; a later step that needs an engine operation which is
// missing fails on its own with the engine's "not available yet" message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Frame } from 'playwright-core';
import { Requests } from '../../protocol/engineApi';
import type { InspectReport } from '../../protocol/inspectReport';
import { EngineClient } from '../../extension/engine/engineClient';
import { formatError } from '../../shared/format';
import { noBreak } from '../../extension/model/hoverTable';
import { parseNpy, encodeNpyToBuffer } from '../../engine/io/npy';
import { root, startCodeServer, type CodeServer } from './codeServer';
import { launchBrowser, Workbench } from './workbench';

const artifacts = join(root, 'artifacts', 'e2e');
const timings: Record<string, number> = {};

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A step of the walk-through; on failure its screenshot is kept as failed-NAME.png. */
function step(name: string, run: () => Promise<void>, getWorkbench: () => Workbench | undefined): void {
  test(name, async () => {
    try {
      await run();
    } catch (error) {
      await getWorkbench()?.screenshot(`failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
      throw error;
    }
  });
}

async function eventuallyAsync<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// 15 minutes: the first run also installs code-server into .cache/ (about 3 minutes here); later runs take about 2.
describe('RevNet Inspector in code-server', { timeout: 15 * 60_000 }, () => {
  let server: CodeServer;
  let browser: Browser;
  let wb: Workbench;
  let panelFrame: Frame | undefined;

  /** the inspection the extension stored for a config (workspace storage), as the panel got it */
  function storedReport(configName: string): InspectReport | undefined {
    const files = filesUnder(join(server.userDataDir, 'User', 'workspaceStorage')).filter((f) => f.includes('inspections') && f.endsWith('.json'));
    for (const file of files) {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { configUri: string; report: InspectReport };
      if (stored.configUri.endsWith(`/${configName}`)) return stored.report;
    }
    return undefined;
  }

  /** a webview frame holding `selector`, without failing on error notifications (for steps that expect one) */
  async function frameShowing(selector: string, timeoutMs: number): Promise<Frame> {
    return eventuallyAsync(`a frame showing ${selector}`, timeoutMs, async () => {
      for (const frame of wb.page.frames()) {
        try {
          if ((await frame.locator(selector).count()) > 0) return frame;
        } catch {
          // detached while looking
        }
      }
      return undefined;
    });
  }

  /** opens a workspace file in the editor by Quick Open */
  async function openFile(relative: string, tabName: string): Promise<void> {
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Control+P');
    const input = wb.quickInput.locator('input');
    await input.waitFor({ state: 'visible' });
    await input.fill(relative);
    await wb.quickInput.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15_000 });
    await wb.page.waitForTimeout(300);
    await input.press('Enter');
    await wb.editorTab(tabName).waitFor({ timeout: 30_000 });
  }

  /** a config of the mnist-tiny preset under its own name (so its run folder is its own), written by the CLI */
  function tinyConfig(name: string): string {
    const path = join(server.workspace, `${name}.revnet.json`);
    if (!existsSync(path)) {
      execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'new', '--preset', 'mnist-tiny', '--out', path], { stdio: 'pipe' });
      const config = JSON.parse(readFileSync(path, 'utf8')) as { name: string };
      config.name = name;
      writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    }
    return path;
  }

  /** shrinks the window until the frame's page is about `width` px wide */
  async function narrowTo(frame: Frame, width: number): Promise<number> {
    for (let i = 0; i < 3; i++) {
      const inner = await frame.evaluate(() => window.innerWidth);
      const size = wb.page.viewportSize() ?? { width: 1400, height: 900 };
      if (Math.abs(inner - width) <= 8) break;
      await wb.page.setViewportSize({ width: size.width - (inner - width), height: size.height });
      await wb.page.waitForTimeout(500);
    }
    return frame.evaluate(() => window.innerWidth);
  }

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    for (const bundle of ['extension.js', 'engine.js', 'webview.js']) {
      assert.ok(existsSync(join(root, 'dist', bundle)), `dist/${bundle} is missing: run node esbuild.mjs`);
    }
    server = await startCodeServer({
      settings: {
        'revnet.train.maxSteps': 60,
        'revnet.train.batchSize': 32,
        'revnet.inspect.batchSize': 8,
      },
    });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    wb = new Workbench(page, artifacts);
    await wb.open(server.url);
  });

  after(async () => {
    writeFileSync(join(artifacts, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    console.log(`e2e timings: ${JSON.stringify(timings)}`);
    // before() may have failed part-way
    await (browser as Browser | undefined)?.close();
    if ((server as CodeServer | undefined) !== undefined) {
      writeFileSync(join(artifacts, 'code-server.log'), server.logs());
      for (const file of filesUnder(join(server.userDataDir, 'logs')).filter((f) => /RevNet|exthost\.log$|remoteexthost\.log$/.test(f))) {
        writeFileSync(join(artifacts, file.split('/').slice(-2).join('-')), readFileSync(file));
      }
      await server.stop();
    }
  });

  step('activates on its Show Log command and says how long activation took', async () => {
    await wb.runCommand('RevNet: Show Log');
    const line = await eventually('the activation line in the RevNet log', 30_000, () => {
      for (const file of filesUnder(join(server.userDataDir, 'logs'))) {
        const match = /RevNet Inspector activated in ([\d.]+) ms/.exec(readFileSync(file, 'utf8'));
        if (match) return match;
      }
      return undefined;
    });
    timings['activateMs'] = Number(line[1]);
    await wb.page.locator('.panel .monaco-editor, .output-view').first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await wb.screenshot('01-activated-log');
    assert.ok(Number(line[1]) < 500, `activation took ${line[1]} ms`);
  }, () => wb);

  step('New Model Config… writes mnist-tiny.revnet.json, opened with its schema and hover', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('RevNet: New Model Config…');
    await wb.pick('mnist-tiny');
    await wb.editorTab('mnist-tiny.revnet.json').waitFor({ timeout: 30_000 });
    const path = join(server.workspace, 'mnist-tiny.revnet.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as { name: string; stages: { units: number }[] };
    assert.equal(config.name, 'mnist-tiny');
    // the schema (jsonValidation) and our hover answer on the same key
    await wb.page.locator('.monaco-editor .view-line span', { hasText: '"units"' }).first().hover();
    const hover = wb.page.locator('.monaco-hover:visible, .workbench-hover:visible').first();
    await hover.waitFor({ timeout: 15_000 });
    await wb.page.waitForTimeout(500);
    const text = await hover.innerText();
    await wb.screenshot('02-new-config-hover');
    assert.match(text, /Residual units in the stage/, 'the JSON schema did not reach the editor');
    assert.match(text, /no inspection of this model yet/);
  }, () => wb);

  step('Train Model… on the built-in digits shows progress and the status bar, and writes weights', async () => {
    await wb.page.mouse.move(5, 400);
    await wb.page.keyboard.press('Escape');
    await wb.editorTab('mnist-tiny.revnet.json').click();
    await wb.runCommand('RevNet: Train Model…');
    await wb.answer('1');
    await wb.waitOrFail(wb.statusBar(/epoch 1\/1 · step \d+/), 120_000);
    const status = await wb.statusBar(/epoch 1\/1/).innerText().catch(() => '');
    await wb.waitOrFail(wb.notification(/training mnist-tiny/), 10_000);
    const progress = await wb.notification(/training mnist-tiny/).innerText().catch(() => '');
    await wb.screenshot('03-training-progress');
    assert.match(status, /loss \d+\.\d+ · (wasm|cpu|tensorflow)/);
    assert.match(progress, /step \d+\/60 · loss/);
    await wb.waitOrFail(wb.notification(/Training (finished|stopped)/), 240_000);
    await wb.screenshot('04-training-done');
    const weights = filesUnder(join(server.workspace, 'runs', 'mnist-tiny')).filter((f) => f.endsWith('.safetensors'));
    assert.ok(weights.length > 0, 'no .safetensors written under runs/mnist-tiny');
  }, () => wb);

  step('Inspect Model opens the panel with one row per block', async () => {
    await wb.dismissNotifications();
    await wb.editorTab('mnist-tiny.revnet.json').click();
    const started = Date.now();
    await wb.runCommand('RevNet: Inspect Model');
    panelFrame = await wb.frameWith('#overview-blocks tbody tr[data-block]', 180_000);
    timings['inspectMnistTinyToNumbersMs'] = Date.now() - started;
    const rows = await panelFrame.locator('#overview-blocks tbody tr[data-block]').count();
    await wb.screenshot('05-inspect-panel');
    const config = JSON.parse(readFileSync(join(server.workspace, 'mnist-tiny.revnet.json'), 'utf8')) as { stages: { units: number }[] };
    const expected = config.stages.reduce((sum, s) => sum + s.units, 0);
    assert.equal(rows, expected, `panel rows ${rows}, blocks in the config ${expected}`);
    const report = await eventually('the stored inspection', 10_000, () => storedReport('mnist-tiny.revnet.json'));
    assert.equal(report.blocks.length, expected);
  }, () => wb);

  step('hovering the stage in the config reads its reconstruction error from the inspection', async () => {
    const report = storedReport('mnist-tiny.revnet.json');
    assert.ok(report !== undefined, 'no inspection stored: the previous step failed');
    await wb.page.keyboard.press('Escape');
    await wb.editorTab('mnist-tiny.revnet.json').click();
    // "units" only occurs inside stages (Monaco's view lines are not in document order, so no nth())
    await wb.page.locator('.monaco-editor .view-line span', { hasText: '"units"' }).first().hover();
    const hover = wb.page.locator('.monaco-hover:visible, .workbench-hover:visible', { hasText: 'one-block' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = await hover.innerText();
    await wb.screenshot('06-hover-block');
    const block = report.blocks.find((b) => b.id === 'stage1.unit0');
    assert.ok(block?.reconstruction, 'stage1.unit0 has no reconstruction stats');
    const row = text.split('\n').find((l) => l.includes('stage1.unit0'));
    assert.ok(row !== undefined, `no row for stage1.unit0 in the hover:\n${text}`);
    // the hover keeps numbers whole (no-break spaces and hyphens)
    assert.ok(row.includes(noBreak(formatError(block.reconstruction.maxAbs))), `hover row "${row}" lacks ${formatError(block.reconstruction.maxAbs)}`);
    assert.ok(row.includes(noBreak(formatError(block.reconstruction.chainMaxAbs))));
    // the block's link opens the panel at that block
    await hover.locator('a', { hasText: 'stage1.unit1' }).first().click();
    const frame = await wb.frameWith('#overview-blocks tbody tr[data-block]', 30_000);
    await wb.waitOrFail(frame.locator('#overview-blocks tr[data-block="stage1.unit1"].selected'), 15_000);
    await wb.screenshot('06b-hover-link-selects-block');
  }, () => wb);

  step('blocks over revnet.errorThreshold get a warning in the config with their measured error', async () => {
    const report = storedReport('mnist-tiny.revnet.json');
    assert.ok(report !== undefined, 'no inspection stored: the inspect step failed');
    await wb.page.mouse.move(5, 400);
    await wb.page.keyboard.press('Escape');
    // a threshold below every measured error, as a workspace setting: each block of the stage must be reported
    const settingsDir = join(server.workspace, '.vscode');
    mkdirSync(settingsDir, { recursive: true });
    writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'revnet.errorThreshold': 1e-12 }));
    await wb.editorTab('mnist-tiny.revnet.json').click();
    await wb.page.keyboard.press('Control+Shift+M');
    const warning = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'stage1.unit0: reconstruction error' }).first();
    await wb.waitOrFail(warning, 30_000);
    await wb.screenshot('07-diagnostics');
    const rows = await wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'reconstruction error' }).allInnerTexts();
    assert.equal(rows.length, report.blocks.filter((b) => b.reconstruction !== null).length, rows.join('\n'));
    const block = report.blocks[0];
    const expected = formatError(Math.max(block.reconstruction!.maxAbs, block.reconstruction!.chainMaxAbs));
    assert.ok(rows.some((r) => r.includes(`stage1.unit0: reconstruction error max |Δ| ${expected}`)), rows.join('\n'));
    writeFileSync(join(settingsDir, 'settings.json'), '{}');
    await wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'reconstruction error' }).first().waitFor({ state: 'detached', timeout: 30_000 });
  }, () => wb);

  step('Invert Tensor… on a .npy from the explorer writes the inverted tensor beside it', async () => {
    await wb.page.mouse.move(5, 400);
    await wb.page.keyboard.press('Escape');
    // an output of the model Invert Tensor uses, made through the engine directly (not through the editor): the
    // last inspected config, mnist-tiny.revnet.json, whose own model has fresh seeded weights (a training's
    // weights belong to its run folder's config, runs/mnist-tiny/mnist-tiny.revnet.json, not to this one)
    const configPath = join(server.workspace, 'mnist-tiny.revnet.json');
    const image = new Float32Array(28 * 28);
    for (let i = 0; i < image.length; i++) image[i] = ((i * 7919) % 256) / 255;
    const inputPath = join(server.workspace, 'sample.npy');
    writeFileSync(inputPath, encodeNpyToBuffer({ shape: [1, 28, 28, 1], data: image }));
    const featuresPath = join(server.workspace, 'features.npy');
    const engine = new EngineClient({ enginePath: join(root, 'dist', 'engine.js'), backend: () => 'cpu', onLog: () => undefined });
    try {
      await engine.request(Requests.forward, { model: { configPath }, inputPath, outputPath: featuresPath });
    } finally {
      await engine.stop();
    }
    await wb.explorerAction('features.npy', 'Invert Tensor');
    await wb.waitOrFail(wb.notification(/Inverted features\.npy/), 120_000);
    await wb.screenshot('08-invert-tensor');
    const outputPath = join(server.workspace, 'features.inverted.npy');
    assert.ok(existsSync(outputPath), 'features.inverted.npy was not written');
    const inverted = parseNpy(readFileSync(outputPath), outputPath);
    const values = Array.from(inverted.data as Float32Array);
    assert.equal(values.length, image.length);
    const maxAbs = values.reduce((m, v, i) => Math.max(m, Math.abs(v - image[i])), 0);
    assert.ok(maxAbs < 1e-3, `inverse of the forward pass is ${maxAbs} away from the input image`);
  }, () => wb);

  step('Invert Tensor… onto an existing result asks first: Cancel leaves the file, Overwrite replaces it', async () => {
    await wb.page.mouse.move(5, 400);
    await wb.page.keyboard.press('Escape');
    await wb.dismissNotifications();
    // self-contained: the model, an input image, its features (through the engine) and a result already there
    const configPath = tinyConfig('mnist-tiny');
    const image = new Float32Array(28 * 28);
    for (let i = 0; i < image.length; i++) image[i] = ((i * 104729) % 256) / 255;
    const inputPath = join(server.workspace, 'overwrite-sample.npy');
    writeFileSync(inputPath, encodeNpyToBuffer({ shape: [1, 28, 28, 1], data: image }));
    const engine = new EngineClient({ enginePath: join(root, 'dist', 'engine.js'), backend: () => 'cpu', onLog: () => undefined });
    try {
      await engine.request(Requests.forward, { model: { configPath }, inputPath, outputPath: join(server.workspace, 'overwrite-features.npy'), overwrite: true });
    } finally {
      await engine.stop();
    }
    const outputPath = join(server.workspace, 'overwrite-features.inverted.npy');
    const placeholder = encodeNpyToBuffer({ shape: [2], data: new Float32Array([42, 43]) });
    writeFileSync(outputPath, placeholder);
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'overwrite-features.inverted.npy already exists' });
    /** runs Invert Tensor on the features and waits for the question (picking the model if none was used yet) */
    const invertAndAsk = async () => {
      await wb.explorerAction('overwrite-features.npy', 'Invert Tensor');
      const picker = wb.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'mnist-tiny.revnet.json' }).first();
      await eventuallyAsync('the overwrite question (or the model picker first)', 30_000, async () => {
        if (await dialog.isVisible()) return true;
        if (await picker.isVisible()) await wb.pick('mnist-tiny.revnet.json');
        return undefined;
      });
    };

    await invertAndAsk();
    await wb.screenshot('08b-invert-overwrite-question');
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await wb.page.waitForTimeout(2000);
    assert.deepEqual(readFileSync(outputPath), placeholder, 'Cancel must leave the existing file as it was');
    assert.equal(await wb.notification(/Inverted overwrite-features\.npy/).count(), 0, 'Cancel must not invert');

    await invertAndAsk();
    await dialog.locator('.monaco-button', { hasText: 'Overwrite' }).first().click();
    await wb.waitOrFail(wb.notification(/Inverted overwrite-features\.npy/), 120_000);
    const inverted = parseNpy(readFileSync(outputPath), outputPath);
    assert.deepEqual(inverted.shape, [1, 28, 28, 1], 'Overwrite must replace the file with the inverted tensor');
    const values = Array.from(inverted.data as Float32Array);
    const maxAbs = values.reduce((m, v, i) => Math.max(m, Math.abs(v - image[i])), 0);
    assert.ok(maxAbs < 1e-3, `the replaced file is ${maxAbs} away from the input image`);
  }, () => wb);

  step('Inspect Model on mnist-small: time from the command to numbers in the panel', async () => {
    await wb.dismissNotifications();
    await wb.runCommand('RevNet: New Model Config…');
    await wb.pick('mnist-small');
    await wb.editorTab('mnist-small.revnet.json').waitFor({ timeout: 30_000 });
    const started = Date.now();
    await wb.runCommand('RevNet: Inspect Model');
    // each model has its own panel: the mnist-small one, beside mnist-tiny's
    const frame = await wb.frameWith('#model-title:has-text("mnist-small")', 300_000);
    await wb.waitOrFail(frame.locator('#overview-blocks tbody tr[data-block]').first(), 300_000);
    timings['inspectMnistSmallToNumbersMs'] = Date.now() - started;
    await wb.screenshot('09-inspect-mnist-small');
    const report = await eventually('the stored mnist-small inspection', 10_000, () => storedReport('mnist-small.revnet.json'));
    assert.equal(await frame.locator('#overview-blocks tbody tr[data-block]').count(), report.blocks.length);
  }, () => wb);

  step('after a window reload both panels come back, each titled with and showing its own model (serializer and stored inspections)', async () => {
    const names = ['mnist-tiny', 'mnist-small'];
    for (const name of names) await wb.editorTab(`RevNet: ${name}`).waitFor({ timeout: 5_000 });
    const started = Date.now();
    // the workbench's own reload, which saves the editor layout and every webview's state first (a browser reload
    // of code-server right after a panel opened can lose that panel's tab: seen here)
    await wb.runCommand('Developer: Reload Window');
    await wb.page.waitForTimeout(2_000);
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    for (const name of names) {
      // a panel behind another tab draws when shown: show each in turn
      const tab = wb.editorTab(`RevNet: ${name}`);
      await tab.waitFor({ timeout: 30_000 });
      await tab.click();
      const frame = await wb.frameWith(`#model-title:text-is("RevNet Inspector — ${name}")`, 60_000);
      const report = await eventually(`the stored ${name} inspection`, 10_000, () => storedReport(`${name}.revnet.json`));
      await wb.waitOrFail(frame.locator('#overview-blocks tbody tr[data-block]').first(), 30_000);
      assert.equal(await frame.locator('#overview-blocks tbody tr[data-block]').count(), report.blocks.length, `${name}'s panel rows`);
      await wb.screenshot(`10-panel-after-reload-${name}`);
    }
    timings['reloadTwoPanelsBackMs'] = Date.now() - started;
    assert.equal(await wb.page.locator('.tabs-container .tab', { hasText: 'RevNet: ' }).count(), names.length, 'one tab per model, no more');
  }, () => wb);

  step('the Architecture view draws one node per block, selects on click, in light and dark, at full width and 400 px', async () => {
    await wb.page.keyboard.press('Escape');
    // alone (--test-name-pattern) there is no panel yet: inspect a fresh mnist-small config first
    let frame = await wb.frameWith('#overview-blocks tbody tr[data-block]', 5_000).catch(() => undefined);
    if (frame === undefined) {
      await wb.runCommand('RevNet: New Model Config…');
      await wb.pick('mnist-small');
      await wb.editorTab('mnist-small.revnet.json').waitFor({ timeout: 30_000 });
      await wb.runCommand('RevNet: Inspect Model');
      frame = await wb.frameWith('#overview-blocks tbody tr[data-block]', 300_000);
    }
    const name = (await frame.locator('#model-title').innerText()).replace(/^.*— /, '');
    const report = await eventually('the stored inspection', 10_000, () => storedReport(`${name}.revnet.json`));
    await frame.locator('vscode-tab-header[data-view="architecture"]').click();
    await frame.locator('#arch-graph g.arch-node').first().waitFor({ timeout: 30_000 });
    await frame.locator('#arch-expand').click();
    // the whole graph in view, whatever height the editor leaves the panel
    await frame.locator('#arch-fit').click();
    const blocks = await frame.locator('#arch-graph g.arch-node[data-block]').evaluateAll((nodes) => nodes.map((n) => (n as SVGGElement).dataset['block']));
    assert.deepEqual(blocks, report.blocks.map((b) => b.id));
    const target = report.blocks[1].id;
    await frame.locator(`#arch-graph g.arch-node[data-block="${target}"]`).click();
    await wb.waitOrFail(frame.locator(`#arch-graph g.arch-node.selected[data-block="${target}"]`), 10_000);
    await frame.locator(`#arch-graph g.arch-node[data-block="${target}"]`).dblclick();
    await frame.locator(`#arch-graph g.kind-unit-frame[data-block="${target}"]`).waitFor({ timeout: 10_000 });
    const settingsDir = join(server.workspace, '.vscode');
    mkdirSync(settingsDir, { recursive: true });
    const original = wb.page.viewportSize() ?? { width: 1400, height: 900 };
    let maximized = false;
    try {
      writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'workbench.colorTheme': 'Default Dark Modern' }));
      await wb.waitOrFail(wb.page.locator('.monaco-workbench.vs-dark'), 30_000);
      // full width: the panel's editor group maximized (best effort: the shot is taken either way)
      await wb.editorTab(`RevNet: ${name}`).click().catch(() => undefined);
      maximized = await wb.runCommand('View: Toggle Maximize Editor Group', 10_000).then(() => true, () => false);
      await wb.page.keyboard.press('Escape');
      await wb.page.waitForTimeout(800);
      await wb.screenshot('11-architecture-dark-full');
      // about 400 px of webview: shrink the window by what the panel has beyond 400
      for (let i = 0; i < 3; i++) {
        const inner = await frame.evaluate(() => window.innerWidth);
        const size = wb.page.viewportSize() ?? original;
        if (Math.abs(inner - 400) <= 8) break;
        await wb.page.setViewportSize({ width: size.width - (inner - 400), height: size.height });
        await wb.page.waitForTimeout(500);
      }
      timings['architectureNarrowWidthPx'] = await frame.evaluate(() => window.innerWidth);
      await wb.screenshot('12-architecture-dark-400');
      writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'workbench.colorTheme': 'Default Light Modern' }));
      await wb.waitOrFail(wb.page.locator('.monaco-workbench.vs'), 30_000);
      await frame.locator('#arch-graph g.arch-node').first().waitFor({ timeout: 30_000 });
      await wb.page.waitForTimeout(800);
      await wb.screenshot('13-architecture-light-400');
      await wb.page.setViewportSize(original);
      await wb.page.waitForTimeout(800);
      await wb.screenshot('14-architecture-light-full');
    } finally {
      writeFileSync(join(settingsDir, 'settings.json'), '{}');
      await wb.page.setViewportSize(original);
      if (maximized) await wb.runCommand('View: Toggle Maximize Editor Group', 10_000).catch(() => undefined);
      await wb.page.keyboard.press('Escape');
    }
  }, () => wb);

  step('revnet-38 from New Model Config… through Train (a few steps) and Inspect with default settings', async () => {
    await wb.dismissNotifications();
    await wb.page.keyboard.press('Escape');
    // a few small steps: the paper's model on this machine's CPU
    const settingsDir = join(server.workspace, '.vscode');
    mkdirSync(settingsDir, { recursive: true });
    writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'revnet.train.maxSteps': 3, 'revnet.train.batchSize': 4, 'revnet.inspect.batchSize': 4 }));
    await wb.runCommand('RevNet: New Model Config…');
    await wb.pick('revnet-38');
    await wb.editorTab('revnet-38.revnet.json').waitFor({ timeout: 30_000 });
    let started = Date.now();
    await wb.runCommand('RevNet: Train Model…');
    await wb.answer('1');
    await wb.waitOrFail(wb.notification(/Training (finished|stopped)/), 600_000);
    timings['trainRevnet38ThreeStepsMs'] = Date.now() - started;
    await wb.screenshot('15-revnet38-trained');
    const history = readFileSync(join(server.workspace, 'runs', 'revnet-38', 'history.jsonl'), 'utf8');
    assert.match(history, /"data":"random\(count=512/, 'the run did not say it trained on random images');
    await wb.dismissNotifications();
    await wb.editorTab('revnet-38.revnet.json').click();
    started = Date.now();
    await wb.runCommand('RevNet: Inspect Model');
    const frame = await wb.frameWith('#random-data-notice:not([hidden])', 600_000);
    timings['inspectRevnet38ToNumbersMs'] = Date.now() - started;
    await wb.waitOrFail(frame.locator('#model-title', { hasText: 'revnet-38' }), 30_000);
    const notice = await frame.locator('#random-data-notice').innerText();
    await wb.screenshot('16-revnet38-inspected-random-data');
    assert.match(notice, /random images/);
    const report = await eventually('the stored revnet-38 inspection', 10_000, () => storedReport('revnet-38.revnet.json'));
    assert.match(report.data, /^random/);
    writeFileSync(join(settingsDir, 'settings.json'), '{}');
  }, () => wb);

  step('Stop in the middle of an epoch: status bar, notification and panel read "stopped at step N (checkpoint saved)"', async () => {
    await wb.dismissNotifications();
    const settingsDir = join(server.workspace, '.vscode');
    mkdirSync(settingsDir, { recursive: true });
    // a whole epoch of 500 steps: a stop lands well inside it
    writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'revnet.train.maxSteps': 0, 'revnet.train.batchSize': 16, 'revnet.inspect.batchSize': 8 }));
    try {
      tinyConfig('stop-tiny');
      await openFile('stop-tiny.revnet.json', 'stop-tiny.revnet.json');
      // its panel first, to see the run there
      await wb.runCommand('RevNet: Inspect Model');
      await frameShowing('#model-title:text-is("RevNet Inspector — stop-tiny")', 180_000);
      await wb.dismissNotifications();
      await wb.editorTab('stop-tiny.revnet.json').click();
      await wb.runCommand('RevNet: Train Model…');
      await wb.answer('1');
      await wb.waitOrFail(wb.statusBar(/epoch 1\/1 · step ([5-9]|\d\d+) /), 180_000);
      const frame = await frameShowing('#model-title:text-is("RevNet Inspector — stop-tiny")', 10_000);
      await frame.locator('vscode-tab-header[data-view="training"]').click();
      await frame.locator('#training-tiles .tile').first().waitFor({ timeout: 30_000 });
      const started = Date.now();
      await wb.runCommand('RevNet: Stop Training');
      await wb.waitOrFail(wb.statusBar(/stopped at step \d+ \(checkpoint saved\)/), 60_000);
      timings['stopToStoppedStatusMs'] = Date.now() - started;
      const status = await wb.statusBar(/stopped at step/).innerText();
      const step = Number(/stopped at step (\d+)/.exec(status)?.[1]);
      assert.ok(step > 0 && step < 500, `stopped at step ${step}, not inside the epoch of 500`);
      await wb.waitOrFail(wb.notification(`Training stopped at step ${step} (checkpoint saved).`), 30_000);
      const state = frame.locator('#training-tiles .tile[data-stat="state"] dd');
      await eventuallyAsync('the panel\'s state', 30_000, async () => ((await state.innerText()) === `stopped at step ${step} (checkpoint saved)` ? true : undefined));
      assert.equal(await wb.page.locator('.statusbar-item .codicon-sync.codicon-modifier-spin, .statusbar-item .codicon-sync~spin').count(), 0, 'the status bar still spins');
      await wb.screenshot('17-stopped-mid-epoch');
      const checkpoint = filesUnder(join(server.workspace, 'runs', 'stop-tiny', 'checkpoint'));
      assert.ok(checkpoint.length > 0, 'no checkpoint written');
    } finally {
      writeFileSync(join(settingsDir, 'settings.json'), '{}');
    }
  }, () => wb);

  step('a failed Inspect with the panel open: a banner in that panel, its numbers stay', async () => {
    await wb.dismissNotifications();
    const path = tinyConfig('stop-tiny');
    await openFile('stop-tiny.revnet.json', 'stop-tiny.revnet.json');
    // a panel with good numbers (the previous step made one; alone, inspect first and wait for the stored result)
    if (storedReport('stop-tiny.revnet.json') === undefined) {
      await wb.runCommand('RevNet: Inspect Model');
      await eventually('the stored stop-tiny inspection', 180_000, () => storedReport('stop-tiny.revnet.json'));
    } else {
      await wb.runCommand('RevNet: Inspect Model');
      await wb.notification(/inspecting stop-tiny/).waitFor({ state: 'detached', timeout: 180_000 }).catch(() => undefined);
    }
    let frame = await frameShowing('#model-title:text-is("RevNet Inspector — stop-tiny")', 60_000);
    // a view is drawn when shown: the Overview's rows
    await frame.locator('vscode-tab-header[data-view="overview"]').click();
    await frame.locator('#overview-blocks tbody tr[data-block]').first().waitFor({ timeout: 180_000 });
    await eventuallyAsync('the panel no longer busy', 180_000, async () => ((await frame.locator('#busy').innerText()) === '' ? true : undefined));
    const rowsBefore = await frame.locator('#overview-blocks tbody tr[data-block]').count();
    const good = readFileSync(path, 'utf8');
    try {
      const broken = JSON.parse(good) as { stages: { units: number }[] };
      broken.stages[0].units = -1;
      writeFileSync(path, JSON.stringify(broken, null, 2));
      await wb.dismissNotifications();
      await wb.editorTab('stop-tiny.revnet.json').click();
      await wb.runCommand('RevNet: Inspect Model');
      frame = await frameShowing('#error:not([hidden])', 120_000);
      const banner = await frame.locator('#error-text').innerText();
      await wb.screenshot('18-failed-inspect-banner');
      // the notification names the problem too (a modal, as it lists the problems): closed to go on
      await wb.page.keyboard.press('Escape');
      assert.match(banner, /Inspect failed: .*units/);
      assert.equal(await frame.locator('#model-title').innerText(), 'RevNet Inspector — stop-tiny');
      assert.equal(await frame.locator('#overview-blocks tbody tr[data-block]').count(), rowsBefore, 'the good numbers went');
      await wb.editorTab('RevNet: stop-tiny').waitFor({ timeout: 5_000 });
    } finally {
      writeFileSync(path, good);
    }
  }, () => wb);

  step('a CLI-trained model in the editor: hover numbers, the panel with its numbers and its Training view', async () => {
    await wb.dismissNotifications();
    const out = join(server.workspace, 'runs', 'cli-tiny');
    let started = Date.now();
    if (!existsSync(join(out, 'inspect.json'))) {
      // a config of its own name, so its panel is told from the other mnist-tiny panels by its title
      const config = tinyConfig('cli-tiny');
      execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'train', '--config', config, '--data', 'mnist', '--epochs', '1', '--steps', '20', '--batch', '32', '--stability-every', '0', '--out', out], { stdio: 'pipe' });
    }
    timings['cliTrainTwentyStepsMs'] = Date.now() - started;
    const report = JSON.parse(readFileSync(join(out, 'inspect.json'), 'utf8')) as InspectReport;
    started = Date.now();
    await openFile('runs/cli-tiny/cli-tiny.revnet.json', 'cli-tiny.revnet.json');
    // the editor just opened (another config may be open in the other group)
    await wb.page.locator('.editor-group-container.active .monaco-editor .view-line span', { hasText: '"units"' }).first().hover();
    const hover = wb.page.locator('.monaco-hover:visible, .workbench-hover:visible', { hasText: 'one-block' }).first();
    await hover.waitFor({ timeout: 30_000 });
    const text = await hover.innerText();
    const block = report.blocks.find((b) => b.id === 'stage1.unit0');
    assert.ok(block?.reconstruction);
    const row = text.split('\n').find((l) => l.includes('stage1.unit0'));
    assert.ok(row?.includes(noBreak(formatError(block.reconstruction.maxAbs))), `hover row ${row ?? '(none)'} lacks the CLI's number`);
    await wb.screenshot('19-cli-model-hover');
    await hover.locator('a', { hasText: 'stage1.unit0' }).first().click();
    // its own panel, brought to the front (other panels share its group)
    await wb.editorTab('RevNet: cli-tiny').waitFor({ timeout: 60_000 });
    await wb.page.mouse.move(5, 400);
    await wb.editorTab('RevNet: cli-tiny').click();
    const frame = await wb.frameWith('#model-title:text-is("RevNet Inspector — cli-tiny")', 60_000);
    await frame.locator('#overview-blocks tbody tr[data-block]').first().waitFor({ state: 'attached', timeout: 60_000 });
    timings['cliModelHoverToPanelMs'] = Date.now() - started;
    assert.equal(await frame.locator('#overview-blocks tbody tr[data-block]').count(), report.blocks.length);
    await frame.locator('vscode-tab-header[data-view="training"]').click();
    const state = frame.locator('#training-tiles .tile[data-stat="state"] dd');
    await state.waitFor({ timeout: 30_000 });
    assert.equal(await state.innerText(), 'finished');
    const history = readFileSync(join(out, 'history.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"step"'));
    assert.equal(history.length, 20);
    await wb.screenshot('20-cli-model-training-view');
  }, () => wb);

  step('a reload with the Training and Invert views open: the Invert form, edit and result come back, the curves too; at 400 px', async () => {
    await wb.dismissNotifications();
    // the CLI-trained model's panel of the previous step
    const frame = await wb.frameWith('#model-title:text-is("RevNet Inspector — cli-tiny")', 30_000);
    await frame.locator('vscode-tab-header[data-view="training"]').click();
    await frame.locator('#training-tiles .tile').first().waitFor({ timeout: 30_000 });
    await frame.locator('vscode-tab-header[data-view="invert"]').click();
    await frame.locator('#invert-sample input').fill('3');
    await frame.locator('#invert-scale').click();
    await frame.locator('#invert-scaleChannels input').fill('1');
    await frame.locator('#invert-scaleFactor input').fill('3');
    await frame.locator('#invert-run').click();
    await frame.locator('#invert-result figure canvas').first().waitFor({ timeout: 120_000 });
    const tilesBefore = await frame.locator('#invert-result .tile dd').allInnerTexts();
    await wb.screenshot('21-invert-before-reload');
    // hidden behind another tab of its group (its page is dropped), then shown again: all there, and savable
    await openFile('runs/cli-tiny/history.jsonl', 'history.jsonl');
    await eventually('the hidden panel\'s page dropped', 15_000, () => (frame.isDetached() ? true : undefined));
    await wb.editorTab('RevNet: cli-tiny').click();
    const shown = await wb.frameWith('#invert-result figure canvas', 60_000);
    assert.equal(await shown.$eval('#invert-sample', (f) => (f as unknown as { value: string }).value), '3');
    assert.equal(await shown.$eval('#invert-scaleChannels', (f) => (f as unknown as { value: string }).value), '1');
    assert.deepEqual(await shown.locator('#invert-result .tile dd').allInnerTexts(), tilesBefore);
    await shown.locator('#save-inverted').waitFor({ state: 'attached', timeout: 30_000 });
    const started = Date.now();
    // the workbench's own reload, which saves every webview's state first (a browser reload of code-server may
    // drop the state saved in the last seconds)
    await wb.runCommand('Developer: Reload Window');
    await wb.page.waitForTimeout(2_000);
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const tab = wb.editorTab('RevNet: cli-tiny');
    await tab.waitFor({ timeout: 30_000 });
    await tab.click();
    const back = await wb.frameWith('#invert-result figure canvas', 60_000);
    timings['reloadToInvertRestoredMs'] = Date.now() - started;
    assert.equal(await back.$eval('#invert-sample', (f) => (f as unknown as { value: string }).value), '3');
    assert.equal(await back.$eval('#invert-scale', (b) => (b as unknown as { checked: boolean }).checked), true);
    assert.equal(await back.$eval('#invert-scaleFactor', (f) => (f as unknown as { value: string }).value), '3');
    assert.deepEqual(await back.locator('#invert-result .tile dd').allInnerTexts(), tilesBefore);
    assert.equal(await back.$eval('#invert-shared-scale', (b) => (b as unknown as { checked: boolean }).checked), true);
    const original = wb.page.viewportSize() ?? { width: 1400, height: 900 };
    try {
      timings['invertNarrowWidthPx'] = await narrowTo(back, 400);
      await wb.screenshot('22-invert-after-reload-400');
      await back.locator('vscode-tab-header[data-view="training"]').click();
      const state = back.locator('#training-tiles .tile[data-stat="state"] dd');
      await state.waitFor({ timeout: 30_000 });
      assert.equal(await state.innerText(), 'finished');
      await wb.screenshot('23-training-after-reload-400');
      // the page scrolls down, never sideways
      const overflow = await back.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `the Training view scrolls sideways by ${overflow} px at 400 px`);
    } finally {
      await wb.page.setViewportSize(original);
    }
  }, () => wb);
});
