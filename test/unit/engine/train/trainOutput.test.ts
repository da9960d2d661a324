// What a training run may do to its output folder: one run per folder (a lock naming the other run, taken
// over when its process is gone); a folder holding a model or another run's checkpoint is replaced only with
// force; a checkpoint's state.json is validated (naming the file); a model name too long for a file name is
// refused before training; the validator does not take "__proto__" or "constructor" for known fields.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TrainParams } from '../../../../protocol/engineApi';
import { parseConfig } from '../../../../engine/model/loadConfig';
import { checkpointFolder } from '../../../../engine/train/checkpoint';
import { LOCK_FILE } from '../../../../engine/train/runLock';
import { trainModel } from '../../../../engine/train/trainModel';
import { TINY_CONFIG, tempFolder, tinyDataset, writeTinyConfig } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const configPath = writeTinyConfig(tempFolder('train-output-config'));
const never = { cancelled: false };
const data = { loadData: () => tinyDataset() };

function params(outDir: string, extra: Partial<TrainParams> = {}): TrainParams {
  return { model: { configPath }, data: { kind: 'random', count: 48 }, epochs: 1, batchSize: 8, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05, ...extra };
}

const sleeper = spawn('sleep', ['60']);
after(() => sleeper.kill());

test('a second run on a locked --out is refused, naming the other run; a dead run\'s lock is taken over', async () => {
  const out = tempFolder('train-lock');
  const lock = join(out, LOCK_FILE);
  writeFileSync(lock, JSON.stringify({ pid: sleeper.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', outDir: out }));
  await assert.rejects(trainModel(params(out), () => undefined, never, data), (error: Error) =>
    error.message.includes('in use by another training run') && error.message.includes(`pid ${sleeper.pid}`));
  assert.equal(existsSync(join(out, 'tiny-test.revnet.json')), false, 'nothing was written');

  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.on('exit', resolve));
  writeFileSync(lock, JSON.stringify({ pid: dead.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', outDir: out }));
  const result = await trainModel(params(out), () => undefined, never, data);
  assert.equal(result.status, 'finished');
  assert.equal(existsSync(lock), false, 'the lock is released at the end');
});

test('two runs started together on one --out: one trains, the other is refused by the lock', async () => {
  const out = tempFolder('train-lock-two');
  const outcomes = await Promise.allSettled([trainModel(params(out), () => undefined, never, data), trainModel(params(out), () => undefined, never, data)]);
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.match((refused?.reason as Error).message, /in use by another training run \(pid \d+/);
});

test('a finished model in --out is replaced only with force', async () => {
  const out = tempFolder('train-force');
  const first = await trainModel(params(out), () => undefined, never, data);
  const weights = readFileSync(first.weightsPath);
  await assert.rejects(trainModel(params(out, { seed: 6 }), () => undefined, never, data), (error: Error) =>
    error.message.includes('holds the checkpoint of a finished run') && error.message.includes('--force'));
  assert.deepEqual(readFileSync(first.weightsPath), weights, 'the trained weights are untouched');
  const second = await trainModel(params(out, { seed: 6, force: true }), () => undefined, never, data);
  assert.equal(second.status, 'finished');
  assert.notDeepEqual(readFileSync(second.weightsPath), weights);
});

test('model files without a checkpoint in --out are protected too', async () => {
  const out = tempFolder('train-force-files');
  writeFileSync(join(out, 'mine.safetensors'), 'not ours');
  await assert.rejects(trainModel(params(out), () => undefined, never, data), /holds a model \(mine\.safetensors\).*--force/);
  assert.equal(readFileSync(join(out, 'mine.safetensors'), 'utf8'), 'not ours');
});

test('--resume A --out B does not overwrite B\'s checkpoint without force', async () => {
  const a = tempFolder('train-resume-a');
  const b = tempFolder('train-resume-b');
  await trainModel(params(a, { steps: 2 }), () => undefined, never, data);
  await trainModel(params(b, { steps: 3 }), () => undefined, never, data);
  const pointer = readFileSync(join(checkpointFolder(b), 'latest.json'));
  await assert.rejects(trainModel(params(b, { resumeFrom: a, epochs: 0, steps: 4 }), () => undefined, never, data), /holds the checkpoint of/);
  assert.deepEqual(readFileSync(join(checkpointFolder(b), 'latest.json')), pointer);
  const forced = await trainModel(params(b, { resumeFrom: a, epochs: 0, steps: 4, force: true }), () => undefined, never, data);
  assert.equal(forced.steps, 4);
});

/** rewrites state.json of the current generation and its hash in latest.json (as a hand edit would need) */
function editState(out: string, edit: (state: Record<string, unknown>) => void): string {
  const folder = checkpointFolder(out);
  const pointer = JSON.parse(readFileSync(join(folder, 'latest.json'), 'utf8'));
  const path = join(folder, pointer.generation, 'state.json');
  const state = JSON.parse(readFileSync(path, 'utf8'));
  edit(state);
  const bytes = Buffer.from(JSON.stringify(state));
  writeFileSync(path, bytes);
  pointer.files['state.json'] = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  writeFileSync(join(folder, 'latest.json'), JSON.stringify(pointer));
  return path;
}

test('a checkpoint\'s state.json is validated: bad options and fields are refused naming the file', async () => {
  const cases: [string, (state: Record<string, unknown>) => void, RegExp][] = [
    ['batch', (s) => ((s['options'] as Record<string, unknown>)['batchSize'] = -5), /"options" are not valid: the batch size must be a whole number ≥ 1, got -5/],
    ['mode', (s) => ((s['options'] as Record<string, unknown>)['mode'] = 'evil'), /"options" are not valid: mode must be "reversible" or "standard", got "evil"/],
    ['step', (s) => (s['step'] = 'many'), /"step" must be a whole number ≥ 0, got "many"/],
  ];
  for (const [label, edit, expected] of cases) {
    const out = tempFolder(`train-state-${label}`);
    await trainModel(params(out, { steps: 2 }), () => undefined, never, data);
    const path = editState(out, edit);
    await assert.rejects(trainModel(params(out, { resume: true, epochs: 0, steps: 5 }), () => undefined, never, data), (error: Error) => {
      assert.ok(error.message.startsWith(`${path}: `), error.message);
      assert.match(error.message, expected);
      return true;
    });
  }
});

test('a model name too long for a file name is refused when the config is read, before any training', () => {
  const long = { ...TINY_CONFIG, name: 'n'.repeat(1000) };
  assert.throws(() => parseConfig(JSON.stringify(long), 'long.revnet.json'), /name: expected a string of at most 200 characters, got 1000/);
  assert.doesNotThrow(() => parseConfig(JSON.stringify({ ...TINY_CONFIG, name: 'n'.repeat(200) }), 'ok.revnet.json'));
});

test('"__proto__" and "constructor" are unknown fields, not known ones', () => {
  const text = `{"__proto__": {"x": 1}, "constructor": 5, ${JSON.stringify(TINY_CONFIG).slice(1)}`;
  assert.throws(() => parseConfig(text, 'proto.revnet.json'), (error: Error) =>
    error.message.includes('unknown field "__proto__"') && error.message.includes('unknown field "constructor"'));
});
