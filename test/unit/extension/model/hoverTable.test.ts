// The hover's Markdown: a row per block of the hovered stage with the inspection's numbers,
// the threshold flag, the links, and the hint when there is no inspection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BlockStats, InspectReport } from '../../../../protocol/inspectReport';
import { blockError, noBreak, stageHoverMarkdown } from '../../../../extension/model/hoverTable';

function block(id: string, stage: number, unit: number, maxAbs: number, chainMaxAbs: number): BlockStats {
  return {
    id,
    stage,
    unit,
    kind: 'reversible',
    residual: 'basic',
    inputShape: [8, 14, 14, 4],
    outputShape: [8, 14, 14, 4],
    params: 4736,
    flops: 1_850_000,
    reconstruction: { maxAbs, relL2: maxAbs / 10, chainMaxAbs, chainRelL2: chainMaxAbs / 10, worstChannel: { index: 0, maxAbs }, channelMaxAbs: [maxAbs], channelChainMaxAbs: [chainMaxAbs] },
    gradient: { relErr: 2.5e-7, cosine: 0.99999994, perParameter: [] },
    memory: { storedBytes: 3 * 1024 * 1024, reversibleBytes: 0 },
  };
}

const report = {
  model: { name: 'mnist-tiny', params: 10_000, flops: 2e6, invertibleParts: [], trunkInvertible: true, input: { height: 28, width: 28, channels: 1 }, classes: 10 },
  backend: 'wasm',
  batchSize: 8,
  data: 'mnist',
  blocks: [block('stage1.unit0', 1, 0, 1.25e-7, 3.5e-7), block('stage1.unit1', 1, 1, 2e-6, 4.75e-4), block('stage2.unit0', 2, 0, 0, 0)],
  createdAt: '2026-11-27T03:00:00Z',
} as unknown as InspectReport;

const links = { openBlock: (id: string) => `command:open?${id}`, inspect: 'command:inspect' };

describe('stage hover', () => {
  test('one row per block of the hovered stage, with its numbers and a link', () => {
    const markdown = stageHoverMarkdown(report, 1, 1e-4, links);
    const rows = markdown.split('\n').filter((line) => line.startsWith('| [stage'));
    assert.equal(rows.length, 2);
    assert.ok(rows[0].startsWith('| [stage1.unit0](command:open?stage1.unit0) |'));
    assert.ok(rows[0].includes(`| ${noBreak('1.25e-7 / 3.50e-7')} |`), rows[0]);
    // the numbers as the panel writes them (shared/format.ts): 3 × 2^20 bytes
    assert.ok(rows[0].includes(`| ${noBreak('3.00 MiB / 0 B')} |`), rows[0]);
    // cos 0.99999994 is an angle of acos(0.99999994) = 0.019848°
    assert.ok(rows[0].includes('| 0.0198° |'), rows[0]);
    // nothing in a cell can wrap: no plain space inside a number cell, no breakable hyphen in an exponent
    for (const cell of rows[0].split('|').slice(2, -1)) assert.doesNotMatch(cell.trim(), / |e-/, cell);
    assert.equal(noBreak('451.6 k'), '451.6\u00a0k');
    assert.ok(!markdown.includes('stage2.unit0'));
  });

  test('flags blocks over the threshold, by the larger of one-block and chain error', () => {
    const rows = stageHoverMarkdown(report, 1, 1e-4, links).split('\n').filter((line) => line.startsWith('| [stage'));
    assert.ok(!rows[0].includes('⚠'));
    assert.ok(rows[1].includes('⚠'), 'the chain error 4.75e-4 is over 1e-4');
    assert.equal(blockError(report.blocks[1]), 4.75e-4);
    assert.ok(!stageHoverMarkdown(report, 1, 1e-3, links).split('\n').some((l) => l.startsWith('| [stage') && l.includes('⚠')));
  });

  test('without an inspection it says how to run one; with a stale one it says so', () => {
    assert.match(stageHoverMarkdown(undefined, 1, 1e-4, links), /no inspection of this model yet.*\(command:inspect\)/);
    assert.match(stageHoverMarkdown(report, 5, 1e-4, links), /has no blocks in this stage/);
  });
});
