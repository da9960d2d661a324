// A past run's stability, as the panel gets it: the Training view's heat map reads the stability records carried
// by the progress lines of the run folder's history.jsonl (engine/train/runHistoryWriter.ts, parsed by
// protocol/runHistory.ts, as extension/panel/runHistoryFile.ts does for a run that is not live). Checked against
// the other writer, the tracker's own stability.jsonl, record for record; and an exploded (NaN) block, which
// JSON writes as null, comes back as NaN instead of its record being dropped.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ProgressEvent } from '../../../../protocol/engineApi';
import { parseRunHistory, RUN_HISTORY_FILE } from '../../../../protocol/runHistory';
import type { StabilityRecord } from '../../../../protocol/stabilityReport';
import { STABILITY_FILE } from '../../../../engine/stability/tracking';
import { RunHistoryWriter } from '../../../../engine/train/runHistoryWriter';
import { trainModel } from '../../../../engine/train/trainModel';
import { stabilityRecords } from '../../../../webview/views/stabilityHeatMap';
import { tempFolder, tinyDataset, writeTinyConfig } from '../../engine/trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

/** what the panel's sendHistory passes on: the progress lines without the file's own fields */
function panelEvents(outDir: string): ProgressEvent[] {
  const history = parseRunHistory(readFileSync(join(outDir, RUN_HISTORY_FILE), 'utf8'));
  return history.progress.map(({ type: _type, learningRate: _lr, time: _time, ...event }) => event);
}

test("a CLI-trained run's history.jsonl gives the heat map the same records as its stability.jsonl", async () => {
  const folder = tempFolder('past-stability');
  const outDir = tempFolder('past-stability-run');
  const configPath = writeTinyConfig(folder);
  const result = await trainModel(
    { model: { configPath }, data: { kind: 'random', count: 48 }, epochs: 2, batchSize: 8, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05, stabilityEvery: 3 },
    () => undefined,
    { cancelled: false },
    { loadData: () => tinyDataset() },
  );
  assert.equal(result.status, 'finished');
  const written = readFileSync(join(outDir, STABILITY_FILE), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as StabilityRecord);
  const drawn = stabilityRecords(panelEvents(outDir));
  assert.ok(written.length >= 3, `only ${written.length} records`);
  assert.deepEqual(drawn, written);
});

test('a non-finite error in a past run is drawn as NaN, not dropped', () => {
  const outDir = tempFolder('past-stability-nan');
  const writer = new RunHistoryWriter(outDir);
  writer.start({ runId: 'r', resumed: false, model: 'm', data: 'mnist', optimizer: 'adam', batchSize: 8, epochs: 1, backend: 'cpu' });
  const event = (step: number, chain: number): ProgressEvent => ({
    runId: 'r', kind: 'step', epoch: 0, epochs: 1, step, stepsPerEpoch: 10, loss: 1, accuracy: 0.5, examplesPerSecond: 1, memoryBytes: 1, backend: 'cpu',
    stability: { step, epoch: 0, elapsedMs: 1, blocks: [{ id: 'stage1.unit0', oneBlockRelL2: 1e-7, chainRelL2: chain, oneBlockMaxAbs: 1e-6, chainMaxAbs: chain }] },
  });
  writer.progress(event(5, 2e-6), 1e-3);
  writer.progress(event(10, Number.NaN), 1e-3);
  writer.progress(event(15, Number.POSITIVE_INFINITY), 1e-3);
  const drawn = stabilityRecords(panelEvents(outDir));
  assert.deepEqual(drawn.map((r) => r.step), [5, 10, 15]);
  assert.equal(drawn[0].blocks[0].chainRelL2, 2e-6);
  for (const record of drawn.slice(1)) {
    assert.ok(Number.isNaN(record.blocks[0].chainRelL2));
    assert.ok(Number.isNaN(record.blocks[0].chainMaxAbs));
    assert.equal(record.blocks[0].oneBlockMaxAbs, 1e-6);
  }
});
