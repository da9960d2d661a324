// NaN and ±Infinity survive every JSON boundary through protocol/nonFinite.ts, and are flagged everywhere
// the threshold is applied: the hover's ⚠, the panel store's isFlagged, the diagnostics' exceedsThreshold.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlockStats, InspectReport } from '../../../protocol/inspectReport';
import { decodeNonFinite, encodeNonFinite, exceedsThreshold } from '../../../protocol/nonFinite';
import { blockError, escapeMarkdown, stageHoverMarkdown } from '../../../extension/model/hoverTable';
import { Store } from '../../../webview/store';

test('encode then JSON then decode gives back NaN, Infinity and -Infinity where plain JSON gives null', () => {
  const value = { a: Number.NaN, b: [1, Number.POSITIVE_INFINITY, { c: Number.NEGATIVE_INFINITY }], d: 'NaN', e: null, f: new Float32Array([1, Number.NaN]) };
  const plain = JSON.parse(JSON.stringify(value));
  assert.equal(plain.a, null, 'what JSON alone does');
  const back = decodeNonFinite(JSON.parse(JSON.stringify(encodeNonFinite(value)))) as typeof value & { f: number[] };
  assert.ok(Number.isNaN(back.a));
  assert.equal(back.b[1], Number.POSITIVE_INFINITY);
  assert.equal((back.b[2] as { c: number }).c, Number.NEGATIVE_INFINITY);
  assert.equal(back.d, 'NaN', 'a string stays a string');
  assert.equal(back.e, null);
  assert.equal(back.f[0], 1);
  assert.ok(Number.isNaN(back.f[1]));
});

test('exceedsThreshold flags NaN, ±Infinity and a lost null; compares finite numbers', () => {
  assert.equal(exceedsThreshold(Number.NaN, 1e-4), true);
  assert.equal(exceedsThreshold(Number.POSITIVE_INFINITY, 1e-4), true);
  assert.equal(exceedsThreshold(null, 1e-4), true);
  assert.equal(exceedsThreshold(2e-4, 1e-4), true);
  assert.equal(exceedsThreshold(1e-4, 1e-4), false);
  assert.equal(exceedsThreshold(0, 1e-4), false);
});

function block(id: string, maxAbs: number | null, chainMaxAbs: number | null): BlockStats {
  return {
    id, stage: 1, unit: 0, kind: 'reversible', residual: 'basic', inputShape: [1, 4, 4, 4], outputShape: [1, 4, 4, 4], params: 1, flops: 1,
    reconstruction: { maxAbs, relL2: 0, chainMaxAbs, chainRelL2: 0, worstChannel: { index: 0, maxAbs: 0 }, channelMaxAbs: [], channelChainMaxAbs: [] },
    gradient: { relErr: 0, cosine: 1, perParameter: [] },
    memory: { storedBytes: 0, reversibleBytes: 0 },
  } as unknown as BlockStats;
}

const report = (name: string, blocks: BlockStats[]) =>
  ({ model: { name }, backend: 'cpu', batchSize: 8, data: 'x', blocks, createdAt: '2026-11-30T00:00:00Z' }) as unknown as InspectReport;
const links = { openBlock: (id: string) => `command:open?${id}`, inspect: 'command:inspect' };

test('a NaN block (or one whose numbers were lost as null) is flagged by the hover and the panel store', () => {
  const blocks = [block('stage1.unit0', Number.NaN, 1e-7), block('stage1.unit1', null, null), block('stage1.unit2', 1e-7, 1e-7)];
  const rows = stageHoverMarkdown(report('m', blocks), 1, 1e-4, links).split('\n').filter((l) => l.startsWith('| ['));
  assert.deepEqual(rows.map((r) => r.includes('⚠')), [true, true, false]);
  assert.ok(Number.isNaN(blockError(blocks[1])), 'Math.max(null, null) would be 0');
  const store = new Store();
  assert.deepEqual(blocks.map((b) => store.isFlagged(b)), [true, true, false]);
});

test('a hostile model name is shown as text in the hover: no image, no link, no table break', () => {
  const name = '![x](https://evil.example/p.png) [run](command:workbench.action.terminal.new)\n| injected |';
  const markdown = stageHoverMarkdown(report(name, [block('stage1.unit0', 0, 0)]), 1, 1e-4, links);
  const title = markdown.split('\n')[0];
  assert.ok(!title.includes('![x](') && !/(^|[^\\])\[run\]\(command:/.test(title), title);
  assert.ok(!title.includes('\n'));
  assert.ok(title.includes(escapeMarkdown(name)));
  // every Markdown-special character of the name is escaped
  assert.ok(!/(^|[^\\])[[\]()!<>|]/.test(escapeMarkdown(name)));
});
