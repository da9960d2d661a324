// One data rule for the CLI and the editor (engine/data/defaultData.ts), and one set of training defaults:
// `{kind: 'default'}` picks the built-in digits for 28x28x1 models and random images of the model's own
// shape otherwise (so the paper's 32x32x3 models work out of the box), and `revnet train --config` on a
// config named after a preset trains with that preset's optimiser, batch and rate (what the editor sends).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { checkDatasetFitsModel, DatasetError, defaultDataFor, isDataError, loadDataset } from '../../../../engine/data';
import { loadInspectionData } from '../../../../engine/inspect/inspectionData';
import { presetConfig } from '../../../../engine/model/presets';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { readCheckpoint } from '../../../../engine/train/checkpoint';
import { trainingDefaults } from '../../../../engine/train/defaults';
import { trainingDefaultsForModel } from '../../../../engine/train/modelTrainingDefaults';
import { trainModel } from '../../../../engine/train/trainModel';
import { parseDataSpec } from '../../../../engine/train/parseDataSpec';
import { TINY_CONFIG, tempFolder, writeTinyConfig } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

test('the default data is the digits for 28x28x1 models and random images of the shape of any other', () => {
  for (const name of ['mnist-tiny', 'mnist-small', 'revnet-38', 'revnet-110', 'revnet-164']) {
    const config = withDefaults(presetConfig(name));
    const { height, width, channels } = config.input;
    const expected = height === 28 && width === 28 && channels === 1 ? 'mnist' : 'random';
    assert.equal(defaultDataFor(config.input).kind, expected, name);
    // the loader with the model's shape gives data that fits the model (the check training and inspect make)
    const dataset = loadDataset({ kind: 'default' }, { shape: config.input, classes: config.classes });
    assert.doesNotThrow(() => checkDatasetFitsModel(dataset, config), name);
    const inspection = loadInspectionData(config, { kind: 'default' });
    assert.equal(inspection.name.startsWith('random'), expected === 'random', `${name}: ${inspection.name}`);
  }
  assert.deepEqual(parseDataSpec('default'), { kind: 'default' });
});

test('the digits given to a 32x32x3 model are refused with a DatasetError naming both shapes', () => {
  const config = withDefaults(presetConfig('revnet-38'));
  assert.throws(() => loadInspectionData(config, { kind: 'mnist' }), (error: unknown) => error instanceof DatasetError && /28x28x1.*32x32x3/.test(error.message));
  // a file that cannot be read keeps its own type (it names the file) and is marked as a data error for the server
  assert.throws(() => loadDataset({ kind: 'idx', images: '/nonexistent/images.idx', labels: '/nonexistent/labels.idx' }), (error: unknown) => isDataError(error) && String(error).includes('/nonexistent/images.idx'));
});

test('a training on {kind: "default"} resolves it once: the checkpoint and the model name the data really used', async () => {
  const folder = tempFolder('default-data');
  const configPath = writeTinyConfig(folder);
  const before = tf.memory().numTensors;
  const result = await trainModel(
    { model: { configPath }, data: { kind: 'default' }, epochs: 1, steps: 2, batchSize: 8, outDir: join(folder, 'run'), optimizer: 'sgd' },
    () => undefined,
    { cancelled: false },
  );
  assert.equal(tf.memory().numTensors, before, 'trainModel leaked tensors');
  assert.equal(result.steps, 2);
  const checkpoint = readCheckpoint(join(folder, 'run'));
  checkpoint.network.dispose();
  assert.deepEqual(checkpoint.state.data, { kind: 'random', count: 512, seed: 0 });
  assert.deepEqual(TINY_CONFIG.input, { height: 8, width: 8, channels: 1 });
});

test('a config named after a preset gets the preset\'s training defaults, in the engine request and in `revnet train --config`', async () => {
  const folder = tempFolder('train-defaults');
  const configPath = join(folder, 'mine.revnet.json');
  writeFileSync(configPath, JSON.stringify({ ...TINY_CONFIG, name: 'mnist-tiny' }));
  const expected = trainingDefaults('mnist-tiny');
  assert.equal(expected.optimizer, 'adam');
  assert.deepEqual(await trainingDefaultsForModel({ configPath }), expected);
  assert.deepEqual(await trainingDefaultsForModel({ configPath: writeTinyConfig(folder) }), trainingDefaults(undefined));
  // the CLI, without --data (the same rule) and without optimiser options
  const main = join(__dirname, '..', '..', '..', '..', 'engine', 'cli', 'main.ts');
  const out = join(folder, 'run');
  const run = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--config', configPath, '--out', out, '--steps', '1', '--backend', 'cpu', '--json', '--no-inspect'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const checkpoint = readCheckpoint(out);
  checkpoint.network.dispose();
  const state = checkpoint.state as unknown as { options: { optimizer: string; batchSize: number; learningRate: number }; data: unknown };
  assert.deepEqual([state.options.optimizer, state.options.batchSize, state.options.learningRate], [expected.optimizer, expected.batchSize, expected.learningRate]);
  assert.deepEqual(state.data, { kind: 'random', count: 512, seed: 0 });
});
