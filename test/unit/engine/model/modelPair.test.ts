// A model's two files load only together: new weights beside an old config (or an edited config beside its
// weights) are refused naming the stale file; a SIGKILL between the two renames of a save leaves a pair that
// loads as the new model; files without the hash load with a note; a NaN weight is refused, naming the tensor.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encodeSafetensorsToBuffer, readSafetensors } from '../../../../engine/io/safetensors';
import { loadModel, saveModel } from '../../../../engine/model/saveLoad';
import { buildNetwork, networkToTensors } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { TINY_CONFIG, tempFolder } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const meta = (data: string) => ({ training: { data, epochs: 1, steps: 1, batchSize: 1, optimizer: 'sgd', mode: 'reversible' as const, seed: 1, backend: 'cpu' } });

test('new weights copied beside an old config (same architecture) are refused: the config is named stale', async () => {
  const a = tempFolder('pair-a');
  const b = tempFolder('pair-b');
  const pa = await saveModel(a, 'tiny', buildNetwork(withDefaults(TINY_CONFIG), 1), meta('first'));
  const pb = await saveModel(b, 'tiny', buildNetwork(withDefaults(TINY_CONFIG), 2), meta('second'));
  copyFileSync(pb.weightsPath, pa.weightsPath);
  await assert.rejects(loadModel(pa.configPath), (error: Error) => error.message.startsWith(`${pa.configPath} is stale`));
});

test('a config edited after its weights were saved is refused: the weights are named stale', async () => {
  const dir = tempFolder('pair-edit');
  const paths = await saveModel(dir, 'tiny', buildNetwork(withDefaults(TINY_CONFIG), 1), meta('first'));
  const config = JSON.parse(readFileSync(paths.configPath, 'utf8'));
  config.training.epochs = 99;
  writeFileSync(paths.configPath, JSON.stringify(config));
  const later = Date.now() / 1000 + 10;
  utimesSync(paths.configPath, later, later);
  await assert.rejects(loadModel(paths.configPath), (error: Error) => error.message.startsWith(`${paths.weightsPath} is stale`));
  // re-indenting alone is not a change
  writeFileSync(paths.configPath, JSON.stringify({ ...config, training: { ...config.training, epochs: 1 } }, null, 8));
  const loaded = await loadModel(paths.configPath);
  loaded.network.dispose();
});

test('a SIGKILL between the weights\' rename and the config\'s rename: the next load completes the new pair', async () => {
  const dir = tempFolder('pair-kill');
  const child = join(__dirname, '..', '..', '..', 'fixtures', 'modelPairChild.ts');
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.on('exit', (_code, s) => resolve(s));
  });
  assert.equal(signal, 'SIGKILL');
  const configPath = join(dir, 'tiny.revnet.json');
  // what the kill left: the old config on disk beside the new weights
  assert.equal(JSON.parse(readFileSync(configPath, 'utf8')).training.data, 'first');
  const loaded = await loadModel(configPath);
  try {
    assert.equal(loaded.config.training?.data, 'second');
    assert.match(loaded.note ?? '', /interrupted/);
    // the weights are seed 2's, compared value by value with a freshly built seed-2 network
    const expected = buildNetwork(withDefaults(TINY_CONFIG), 2);
    for (const [name, v] of expected.weights.params) {
      assert.deepEqual(Array.from(loaded.network.weights.params.get(name)?.dataSync() ?? []), Array.from(v.dataSync()), name);
    }
    expected.dispose();
  } finally {
    loaded.network.dispose();
  }
  assert.equal(JSON.parse(readFileSync(configPath, 'utf8')).training.data, 'second', 'the save was completed on disk');
  assert.equal(existsSync(join(dir, '.tiny.revnet.json.pending')), false);
});

test('weights without a config hash (older files) load, with a note', async () => {
  const dir = tempFolder('pair-old');
  const network = buildNetwork(withDefaults(TINY_CONFIG), 1);
  const paths = await saveModel(dir, 'tiny', network, {});
  writeFileSync(paths.weightsPath, encodeSafetensorsToBuffer(networkToTensors(network), { format: 'revnet-inspector', model: 'tiny-test' }));
  network.dispose();
  assert.equal(readSafetensors(paths.weightsPath).metadata['configSha256'], undefined);
  const loaded = await loadModel(paths.configPath);
  assert.match(loaded.note ?? '', /records no config hash/);
  loaded.network.dispose();
});

test('a NaN weight is refused at load, naming the tensor', async () => {
  const dir = tempFolder('pair-nan');
  const network = buildNetwork(withDefaults(TINY_CONFIG), 1);
  const name = 'head.fc.weight';
  const variable = network.weights.params.get(name);
  assert.ok(variable);
  const values = variable.dataSync().slice();
  values[3] = Number.NaN;
  variable.assign(tf.tensor(values, variable.shape));
  const paths = await saveModel(dir, 'tiny', network, {});
  network.dispose();
  const before = tf.memory().numTensors;
  await assert.rejects(loadModel(paths.configPath), (error: Error) => error.message.includes(`tensor "${name}" holds 1 non-finite value`) && error.message.includes('index 3'));
  assert.equal(tf.memory().numTensors, before);
});
