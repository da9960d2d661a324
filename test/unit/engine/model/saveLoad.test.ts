// NAME.revnet.json + NAME.safetensors: a round trip keeps every tensor bit for bit, the weights file
// is a plain safetensors file (its header parsed here by hand, not by our reader), and a load against
// a config lists every missing, unexpected, misshapen and mistyped tensor in one message.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadModel, saveModel } from '../../../../engine/model/saveLoad';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { TINY_CONFIG, tempFolder } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

/** The header of a safetensors file, read with Buffer calls only. */
function headerOf(path: string): Partial<Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>> {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  delete header.__metadata__;
  return header;
}

/** A safetensors file built by hand (little-endian float32/float64), independent of engine/io. */
function writeByHand(path: string, tensors: { name: string; dtype: 'F32' | 'F64'; shape: number[]; values: number[] }[]): void {
  const header: Record<string, unknown> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = t.dtype === 'F32' ? 4 : 8;
    const chunk = Buffer.alloc(t.values.length * size);
    t.values.forEach((v, i) => (t.dtype === 'F32' ? chunk.writeFloatLE(v, i * size) : chunk.writeDoubleLE(v, i * size)));
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + chunk.length] };
    offset += chunk.length;
    chunks.push(chunk);
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([prefix, json, ...chunks]));
}

test('saveModel then loadModel gives back the config, the metadata and every tensor bit for bit', async () => {
  const folder = tempFolder('model-files');
  const network = buildNetwork(withDefaults(TINY_CONFIG), 3);
  const metadata = {
    normalization: { mean: [0.13], std: [0.31] },
    training: { data: 'mnist', epochs: 2, steps: 10, batchSize: 8, optimizer: 'sgd', mode: 'reversible' as const, seed: 3, backend: 'cpu', testAccuracy: 0.5 },
  };
  const before = tf.memory().numTensors;
  const paths = await saveModel(folder, 'tiny', network, metadata);
  assert.equal(paths.configPath, join(folder, 'tiny.revnet.json'));
  assert.equal(paths.weightsPath, join(folder, 'tiny.safetensors'));

  const header = headerOf(paths.weightsPath);
  const expectedNames = [...network.weights.params.keys(), ...network.weights.buffers.keys()].sort();
  assert.deepEqual(Object.keys(header).sort(), expectedNames);
  for (const [name, v] of [...network.weights.params, ...network.weights.buffers]) {
    const entry = header[name];
    assert.equal(entry?.dtype, 'F32', name);
    assert.deepEqual(entry.shape, v.shape, name);
  }

  const loaded = await loadModel(paths.configPath);
  assert.equal(loaded.weightsPath, paths.weightsPath);
  assert.deepEqual(loaded.config.normalization, metadata.normalization);
  assert.equal(loaded.config.training?.testAccuracy, 0.5);
  for (const [name, v] of [...network.weights.params, ...network.weights.buffers]) {
    const other = loaded.network.weights.params.get(name) ?? loaded.network.weights.buffers.get(name);
    assert.ok(other !== undefined, name);
    assert.deepEqual(other.dataSync(), v.dataSync(), name);
  }
  loaded.network.dispose();
  assert.equal(tf.memory().numTensors, before);
  network.dispose();
});

test('a weights file that does not fit the config: every problem in one message', async () => {
  const folder = tempFolder('model-mismatch');
  const network = buildNetwork(withDefaults(TINY_CONFIG), 3);
  const { configPath } = await saveModel(folder, 'tiny', network, {});
  const tensors: { name: string; dtype: 'F32' | 'F64'; shape: number[]; values: number[] }[] = [];
  const skipped = 'stage1.unit1.g.conv2.weight';
  const reshaped = 'head.fc.bias';
  const retyped = 'stage1.unit0.g.bn1.gamma';
  for (const [name, v] of [...network.weights.params, ...network.weights.buffers]) {
    if (name === skipped) continue;
    const values = Array.from(v.dataSync());
    if (name === reshaped) tensors.push({ name, dtype: 'F32', shape: [values.length + 1], values: [...values, 0] });
    else tensors.push({ name, dtype: name === retyped ? 'F64' : 'F32', shape: [...v.shape], values });
  }
  tensors.push({ name: 'head.extra.weight', dtype: 'F32', shape: [2], values: [1, 2] });
  const weightsPath = join(folder, 'broken.safetensors');
  writeByHand(weightsPath, tensors);
  network.dispose();
  const before = tf.memory().numTensors;
  await assert.rejects(loadModel(configPath, weightsPath), (error: Error) => {
    assert.match(error.message, /broken\.safetensors/);
    assert.match(error.message, /4 problems/);
    assert.match(error.message, new RegExp(`missing tensor "${skipped}"`));
    assert.match(error.message, new RegExp(`"${reshaped}" has shape \\[4\\], expected \\[3\\]`));
    assert.match(error.message, new RegExp(`"${retyped}" has dtype F64`));
    assert.match(error.message, /unexpected tensor "head\.extra\.weight"/);
    return true;
  });
  assert.equal(tf.memory().numTensors, before);
});

test('a missing weights file is named', async () => {
  const folder = tempFolder('model-missing');
  const configPath = join(folder, 'alone.revnet.json');
  writeFileSync(configPath, JSON.stringify(TINY_CONFIG));
  await assert.rejects(loadModel(configPath), /alone\.safetensors: no such file/);
});
