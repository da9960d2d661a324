// The run history `train` writes into its run folder (protocol/runHistory.ts): every progress event the caller
// received is in the file, with the learning rate; a stopped run ends with "cancelled"; a resumed run goes on in
// the same history; a new run in the folder starts it again; damaged and unknown lines do no harm.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ProgressEvent, TrainParams } from '../../../../protocol/engineApi';
import { parseRunHistory, RUN_HISTORY_FILE } from '../../../../protocol/runHistory';
import { trainModel } from '../../../../engine/train/trainModel';
import { tempFolder, tinyDataset, writeTinyConfig } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const folder = tempFolder('run-history');
const configPath = writeTinyConfig(folder);

async function train(params: TrainParams, cancelAt?: number): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  let step = 0;
  const cancel = { get cancelled() { return cancelAt !== undefined && step >= cancelAt; } };
  await trainModel(params, (event) => {
    events.push(event);
    step = event.step;
  }, cancel, { loadData: () => tinyDataset() });
  return events;
}

const strip = ({ type: _type, learningRate: _lr, time: _time, ...event }: Record<string, unknown>) => event;

test('every progress event is in the history, a stop ends it as "cancelled", a resume continues it', async () => {
  const outDir = join(folder, 'run');
  const params: TrainParams = { model: { configPath }, data: { kind: 'random', count: 48 }, epochs: 3, batchSize: 8, outDir, optimizer: 'sgd', learningRate: 0.05, lrDrops: [1] };
  const first = await train(params, 4);
  let history = parseRunHistory(readFileSync(join(outDir, RUN_HISTORY_FILE), 'utf8'));
  assert.equal(history.skipped, 0);
  assert.deepEqual(history.progress.map((line) => strip(line as unknown as Record<string, unknown>)), first.map((e) => JSON.parse(JSON.stringify(e)) as unknown));
  assert.equal(history.end?.status, 'cancelled');
  assert.equal(history.end.steps, first.filter((e) => e.kind === 'step').at(-1)?.step);
  assert.equal(history.runs.length, 1);
  assert.equal(history.runs[0]?.resumed, false);
  assert.equal(history.progress[0]?.learningRate, 0.05);

  const second = await train({ ...params, resume: true });
  history = parseRunHistory(readFileSync(join(outDir, RUN_HISTORY_FILE), 'utf8'));
  assert.deepEqual(history.runs.map((r) => r.resumed), [false, true]);
  assert.equal(history.progress.length, first.length + second.length);
  assert.equal(history.end?.status, 'finished');
  // the step count goes on, and the learning rate drops after epoch 1 as the schedule says
  const steps = history.progress.filter((line) => line.kind === 'step');
  assert.deepEqual(steps.map((s) => s.step), steps.map((_, i) => i + 1));
  for (const line of steps) assert.ok(Math.abs(line.learningRate - (line.epoch >= 1 ? 0.005 : 0.05)) < 1e-12, `step ${line.step}: lr ${line.learningRate}`);
  const epochEnds = history.progress.filter((line) => line.kind === 'epoch');
  assert.equal(epochEnds.length, 3);
  assert.ok(epochEnds.every((line) => typeof line.testAccuracy === 'number'));

  // a damaged line (a crash mid-write) and a newer kind of line are skipped; a new run (asked to replace the
  // finished one) starts the history again
  appendFileSync(join(outDir, RUN_HISTORY_FILE), '{"type":"progress","kind":"st\n{"type":"stability","block":"stage1.unit1"}\n');
  assert.equal(parseRunHistory(readFileSync(join(outDir, RUN_HISTORY_FILE), 'utf8')).skipped, 1);
  const third = await train({ ...params, outDir, epochs: 1, force: true });
  history = parseRunHistory(readFileSync(join(outDir, RUN_HISTORY_FILE), 'utf8'));
  assert.equal(history.runs.length, 1);
  assert.equal(history.progress.length, third.length);
});
