// Out-of-order and hostile webview messages against the panel's message router
// (extension/panel/panelMessageRouter.ts, which inspectionPanel.ts feeds every message) with fake effects:
// each refused message gets a logged reason and an `error` answer naming the problem, reaches neither the
// engine nor the disk, and a valid explore + saveTensor afterwards still works. saveTensor writes only where
// the (fake) save dialog says, never to a path carried in a message; the fake writer really writes files into
// a temporary folder, whose listing is the check. The refused count is printed.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ExploreResult, OutputEdit } from '../../../../protocol/engineApi';
import type { InspectReport } from '../../../../protocol/inspectReport';
import type { PlainTensor } from '../../../../protocol/tensor';
import type { HostToWebview } from '../../../../protocol/webviewMessages';
import { PanelMessageRouter, type ExploreSource, type PanelEffects, type TensorName } from '../../../../extension/panel/panelMessageRouter';

const BLOCKS = ['stage1.unit0', 'stage1.unit1', 'stage2.unit0'];

function fakeReport(): InspectReport {
  // only the fields the router reads; the rest of a report does not matter to it
  return { model: { name: 'tiny' }, blocks: BLOCKS.map((id) => ({ id })) } as unknown as InspectReport;
}

function tensor(seed: number): PlainTensor {
  return { shape: [2, 2, 1], dtype: 'float32', data: [seed, seed + 0.5, -seed, seed * 2] };
}

function exploreResult(sample: number): ExploreResult {
  return {
    input: tensor(sample), output: tensor(sample + 10), edited: tensor(sample + 20), inverted: tensor(sample + 30), difference: tensor(sample + 40),
    maxAbs: 0, relL2: 0,
  };
}

/** effects that record every call; explore can be held open to send messages while it runs */
class Fakes implements PanelEffects {
  posted: HostToWebview[] = [];
  warnings: string[] = [];
  errors: string[] = [];
  calls = { restore: 0, reveal: [] as string[], refresh: 0, pick: 0, explore: [] as { source: ExploreSource; edits: OutputEdit[] }[], ask: [] as TensorName[], write: [] as string[] };
  model = true;
  report: InspectReport | undefined = fakeReport();
  savePath: string | undefined;
  hold: Promise<void> | undefined;
  failExplore: string | undefined;

  constructor(readonly folder: string) {
    this.savePath = join(folder, 'chosen.npy');
  }

  post(message: HostToWebview): void { this.posted.push(message); }
  warn(text: string): void { this.warnings.push(text); }
  error(text: string): void { this.errors.push(text); }
  errorThreshold(): number { return 1e-4; }
  hasModel(): boolean { return this.model; }
  async restoreAndSendReport(): Promise<void> { this.calls.restore++; }
  currentReport(): InspectReport | undefined { return this.report; }
  async revealBlock(blockId: string): Promise<void> { this.calls.reveal.push(blockId); }
  async refresh(): Promise<void> { this.calls.refresh++; }
  async pickNpyFile(): Promise<string | undefined> { this.calls.pick++; return undefined; }
  async explore(source: ExploreSource, edits: OutputEdit[]): Promise<ExploreResult> {
    this.calls.explore.push({ source, edits });
    // only the first explore waits, so a second one that got through fails the test instead of hanging it
    if (this.hold !== undefined && this.calls.explore.length === 1) await this.hold;
    if (this.failExplore !== undefined) throw new Error(this.failExplore);
    return exploreResult('sample' in source ? source.sample : -1);
  }
  async askSavePath(which: TensorName): Promise<string | undefined> { this.calls.ask.push(which); return this.savePath; }
  async writeTensor(t: PlainTensor, path: string): Promise<void> {
    this.calls.write.push(path);
    writeFileSync(path, JSON.stringify(t));
  }

  engineAndDiskCalls(): number {
    return this.calls.explore.length + this.calls.write.length + this.calls.ask.length + this.calls.pick + this.calls.reveal.length + this.calls.refresh;
  }
}

function setup(): { router: PanelMessageRouter; fakes: Fakes; done: () => void } {
  const folder = mkdtempSync(join(tmpdir(), 'revnet-panel-router-'));
  const fakes = new Fakes(folder);
  return { router: new PanelMessageRouter(fakes), fakes, done: () => rmSync(folder, { recursive: true, force: true }) };
}

/** Sends one message that must be refused: a warning with the reason, one `error` answer naming it, nothing run.
 *  The answer names the message's id, except for an oversized message, which is refused before it is read. */
async function expectRefused(router: PanelMessageRouter, fakes: Fakes, raw: unknown, problem: RegExp, answersId = true): Promise<void> {
  const before = { refused: router.refused, warnings: fakes.warnings.length, posted: fakes.posted.length, effects: fakes.engineAndDiskCalls() };
  await router.receive(raw);
  const what = (JSON.stringify(raw) as string | undefined)?.slice(0, 80) ?? String(raw);
  assert.equal(router.refused, before.refused + 1, `${what}: not counted as refused`);
  const warnings = fakes.warnings.slice(before.warnings);
  assert.equal(warnings.length, 1, `${what}: one logged reason`);
  assert.match(warnings[0], problem, `${what}: the logged reason names the problem`);
  const answers = fakes.posted.slice(before.posted);
  assert.equal(answers.length, 1, `${what}: exactly one answer`);
  const answer = answers[0];
  assert.equal(answer.type, 'error', `${what}: the answer is an error`);
  assert.match((answer as { message: string }).message, problem, `${what}: the error names the problem`);
  const id = (raw as { id?: unknown } | null)?.id;
  const usableId = typeof id === 'number' && Number.isInteger(id) && id >= 0;
  assert.equal(answer.replyTo, usableId && answersId ? id : undefined, `${what}: the error answers the message`);
  assert.equal(fakes.engineAndDiskCalls(), before.effects, `${what}: no engine, dialog or write effect`);
}

function lastOfType<T extends HostToWebview['type']>(fakes: Fakes, type: T): Extract<HostToWebview, { type: T }> | undefined {
  return fakes.posted.filter((m): m is Extract<HostToWebview, { type: T }> => m.type === type).at(-1);
}

test('out-of-order and hostile messages are refused with a reason and change nothing; valid ones work afterwards', async (t) => {
  const { router, fakes, done } = setup();
  t.after(done);
  let id = 1;
  const injected = join(fakes.folder, 'injected.npy');

  // before ready: everything but ready is out of order
  for (const message of [
    { type: 'explore', source: { sample: 1 }, edits: [] },
    { type: 'saveTensor', which: 'input' },
    { type: 'blockSelected', blockId: 'stage1.unit0' },
    { type: 'refresh' },
    { type: 'viewChanged', view: 'invert' },
  ]) {
    await expectRefused(router, fakes, { ...message, id: id++ }, new RegExp(`${message.type} before the panel sent ready`));
  }
  assert.equal(fakes.calls.restore, 0, 'nothing restored before ready');

  router.selectBlock('stage1.unit1');
  assert.equal(fakes.posted.some((m) => m.type === 'selectBlock'), false, 'a selection waits for ready');
  await router.receive({ type: 'ready', id: id++ });
  assert.equal(fakes.calls.restore, 1);
  assert.equal(lastOfType(fakes, 'settings')?.errorThreshold, 1e-4);
  assert.equal(lastOfType(fakes, 'selectBlock')?.blockId, 'stage1.unit1', 'the waiting selection is sent after ready');

  // saveTensor before any explore result, also with a path of its own
  await expectRefused(router, fakes, { type: 'saveTensor', which: 'inverted', id: id++ }, /saveTensor before any explore result/);
  await expectRefused(router, fakes, { type: 'saveTensor', which: 'inverted', path: injected, id: id++ }, /unexpected field\(s\) path/);

  // the webview never answers the host: a replyTo, even one naming a message the extension sent, is refused
  for (const which of ['zero', 'sent', 'huge']) {
    const replyTo = which === 'zero' ? 0 : which === 'huge' ? 999_999 : 1;
    await expectRefused(router, fakes, { type: 'explore', source: { sample: 2 }, edits: [], replyTo, id: id++ }, /unexpected field\(s\) replyTo/);
  }

  // blocks: well-formed ids that are not in the report, and any block without a report
  for (const blockId of ['stage9.unit0', 'stage1.unit7', 'stem', 'head']) {
    await expectRefused(router, fakes, { type: 'blockSelected', blockId, id: id++ }, new RegExp(`${blockId}, which is not a block of tiny`));
  }
  fakes.report = undefined;
  await expectRefused(router, fakes, { type: 'blockSelected', blockId: 'stage1.unit0', id: id++ }, /before the panel has a report/);
  fakes.report = fakeReport();

  // malformed and oversized ones still go through the validator first
  const malformed: [unknown, RegExp, boolean?][] = [
    [undefined, /must be an object/],
    [{ type: 'explore', id: id++, source: { npyPath: injected }, edits: [] }, /source must be/],
    [{ type: 'explore', id: id++, source: { sample: 1 }, edits: [], outputPath: injected }, /unexpected field/],
    [{ type: 'explore', id: id++, source: { sample: -1 }, edits: [] }, /source.sample/],
    [{ type: 'explore', id: id++, source: { sample: 1 }, edits: [{ kind: 'noise', std: Number.NaN, seed: 1 }] }, /std must be a finite number/],
    [{ type: 'saveTensor', id: id++, which: '../../etc/passwd' }, /which must be one of/],
    [{ type: 'ready', id: id++, note: 'x'.repeat(200_000) }, /over the \d+-byte limit/, false],
    [{ type: 'blockSelected', id: id++, blockId: 'stage1.unit0; rm -rf /' }, /blockId must look like/],
    [{ type: 'writeFile', id: id++, path: injected }, /unknown message type/],
    [{ type: 'ready', id: -3 }, /id must be a non-negative integer/],
  ];
  for (const [raw, problem, answersId] of malformed) await expectRefused(router, fakes, raw, problem, answersId);

  // one explore at a time: a second one while the first runs is refused, the first still answers
  let release!: () => void;
  fakes.hold = new Promise<void>((resolve) => (release = resolve));
  const firstId = id++;
  const first = router.receive({ type: 'explore', source: { sample: 4 }, edits: [], id: firstId });
  await expectRefusedWhileRunning();
  async function expectRefusedWhileRunning(): Promise<void> {
    // the running explore already called the engine once; the refused one must not call it again
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fakes.calls.explore.length, 1);
    await expectRefused(router, fakes, { type: 'explore', source: { sample: 5 }, edits: [], id: id++ }, /while another explore is running/);
  }
  release();
  await first;
  fakes.hold = undefined;
  assert.equal(lastOfType(fakes, 'exploreResult')?.replyTo, firstId);
  assert.deepEqual(lastOfType(fakes, 'exploreResult')?.result.input, tensor(4));

  // an engine failure is an error answer, not a refusal, and does not block the next request
  const refusedBefore = router.refused;
  fakes.failExplore = 'engine stopped';
  const failedId = id++;
  await router.receive({ type: 'explore', source: { sample: 6 }, edits: [], id: failedId });
  fakes.failExplore = undefined;
  assert.equal(router.refused, refusedBefore, 'a failure is not a refusal');
  const failure = lastOfType(fakes, 'error');
  assert.deepEqual([failure?.replyTo, failure?.message], [failedId, 'engine stopped']);
  assert.match(fakes.errors.at(-1)!, /explore failed: engine stopped/);
  assert.equal(lastOfType(fakes, 'busy')?.busy, false, 'busy is cleared after a failure');

  // nothing was written by any of the above
  assert.deepEqual(fakes.calls.write, []);
  assert.deepEqual(readdirSync(fakes.folder), []);

  // the valid sequence: explore, then save where the dialog says
  const exploreId = id++;
  const edits: OutputEdit[] = [{ kind: 'zeroChannels', channels: [0] }];
  await router.receive({ type: 'explore', source: { sample: 3 }, edits, id: exploreId });
  assert.deepEqual(fakes.calls.explore.at(-1), { source: { sample: 3 }, edits });
  const answered = lastOfType(fakes, 'exploreResult');
  assert.equal(answered?.replyTo, exploreId);
  const saveId = id++;
  await router.receive({ type: 'saveTensor', which: 'inverted', id: saveId });
  assert.deepEqual(fakes.calls.ask, ['inverted']);
  assert.deepEqual(fakes.calls.write, [fakes.savePath]);
  assert.deepEqual(lastOfType(fakes, 'saved'), { type: 'saved', replyTo: saveId, path: fakes.savePath, id: fakes.posted.at(-1)!.id });
  assert.deepEqual(readdirSync(fakes.folder), ['chosen.npy'], 'only the dialog\'s path was written');
  assert.deepEqual(JSON.parse(readFileSync(fakes.savePath!, 'utf8')), exploreResult(3).inverted, 'the tensor written is the one the engine returned');

  // a cancelled dialog writes nothing and answers nothing
  fakes.savePath = undefined;
  const postedBefore = fakes.posted.length;
  await router.receive({ type: 'saveTensor', which: 'difference', id: id++ });
  assert.equal(fakes.calls.write.length, 1);
  assert.equal(fakes.posted.length, postedBefore);

  // a valid block is revealed
  await router.receive({ type: 'blockSelected', blockId: 'stage2.unit0', id: id++ });
  assert.deepEqual(fakes.calls.reveal, ['stage2.unit0']);
  await router.receive({ type: 'refresh', id: id++ });
  assert.equal(fakes.calls.refresh, 1);

  assert.equal(fakes.warnings.length, router.refused, 'one logged reason per refused message');
  t.diagnostic(`refused ${router.refused} out-of-order or hostile messages; ${fakes.calls.write.length} write (the dialog's path), ${fakes.calls.explore.length} engine explores, each for a valid message`);
});

test('host message ids increase and errors without a usable id carry no replyTo', async () => {
  const { router, fakes, done } = setup();
  try {
    await router.receive('{"type":"ready","id":1}');
    await router.receive({ type: 'ready', id: 1 });
    router.post({ type: 'busy', busy: true });
    const ids = fakes.posted.map((m) => m.id);
    assert.deepEqual(ids, ids.map((_, i) => i + 1));
    assert.equal(fakes.posted[0].type, 'error');
    assert.equal(fakes.posted[0].replyTo, undefined);
  } finally {
    done();
  }
});

test('500 refresh messages while an inspection runs: one runs, one more follows, the rest are merged', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'revnet-router-refresh-'));
  try {
    const fakes = new Fakes(folder);
    let release: () => void = () => undefined;
    let running = 0;
    let most = 0;
    fakes.refresh = async () => {
      fakes.calls.refresh++;
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    };
    const router = new PanelMessageRouter(fakes);
    await router.receive({ type: 'ready', id: 1 });
    const all: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) all.push(router.receive({ type: 'refresh', id: 2 + i }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fakes.calls.refresh, 1, 'only one inspection runs at first');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fakes.calls.refresh, 2, 'then the one pending');
    release();
    await Promise.all(all);
    assert.equal(fakes.calls.refresh, 2);
    assert.equal(most, 1, 'never two at once');
    assert.equal(router.coalescedRefreshes, 498);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a page rebuilt after hiding gets the last explore result again (its tensors can be saved), a fresh panel gets none', async () => {
  const { router, fakes, done } = setup();
  try {
    await router.receive({ type: 'ready', id: 1 });
    assert.equal(lastOfType(fakes, 'exploreResult'), undefined);
    await router.receive({ type: 'explore', id: 2, source: { sample: 4 }, edits: [] });
    const answered = lastOfType(fakes, 'exploreResult');
    assert.deepEqual(answered?.result, exploreResult(4));
    // the webview was destroyed behind another tab and loads again: it says ready once more
    const before = fakes.posted.length;
    await router.receive({ type: 'ready', id: 1 });
    assert.equal(fakes.posted.slice(before).filter((m) => m.type === 'exploreResult').length, 1);
    assert.deepEqual(lastOfType(fakes, 'exploreResult')?.result, exploreResult(4));
    await router.receive({ type: 'saveTensor', id: 3, which: 'inverted' });
    assert.deepEqual(JSON.parse(readFileSync(join(fakes.folder, 'chosen.npy'), 'utf8')), exploreResult(4).inverted);
    // a panel that switched model forgets it
    router.forgetExploreResult();
    const count = fakes.posted.length;
    await router.receive({ type: 'ready', id: 1 });
    assert.equal(fakes.posted.slice(count).filter((m) => m.type === 'exploreResult').length, 0);
  } finally {
    done();
  }
});
