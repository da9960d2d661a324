// NaN across the engine -> extension boundary (a real engine process, JSON over IPC): a NaN round-trip error
// arrives as NaN, not as null (which Math.max turns into 0); and an input holding NaN is refused by default.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Requests } from '../../protocol/engineApi';
import { EngineClient, EngineRequestError } from '../../extension/engine/engineClient';
import { writeNpy } from '../../engine/io/npy';
import { saveModel } from '../../engine/model/saveLoad';
import { buildNetwork } from '../../engine/model/network';
import { withDefaults } from '../../engine/model/validateConfig';
import { TINY_CONFIG, tempFolder } from '../unit/engine/trainHelpers';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');
const client = new EngineClient({ enginePath, backend: () => 'cpu', onLog: () => undefined });
after(() => client.stop());

const dir = tempFolder('non-finite-boundary');
let configPath = '';
const input = join(dir, 'features.npy');

before(async () => {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run node esbuild.mjs first`);
  await tf.setBackend('cpu');
  const network = buildNetwork(withDefaults(TINY_CONFIG), 1);
  configPath = (await saveModel(dir, 'tiny', network, {})).configPath;
  network.dispose();
  // the trunk's output of the tiny model: 4x4x4 (squeeze stem, one stage without downsampling)
  const data = new Float32Array(2 * 4 * 4 * 4).fill(0.5);
  data[5] = Number.NaN;
  await writeNpy(input, { shape: [2, 4, 4, 4], data });
});

test('an input holding NaN is refused unless allowed, and the answer says how many', async () => {
  await assert.rejects(client.request(Requests.invert, { model: { configPath }, inputPath: input, outputPath: join(dir, 'out.npy') }), (error: unknown) =>
    error instanceof EngineRequestError && error.message.includes('holds 1 non-finite value') && error.message.includes('--allow-non-finite'));
  const result = await client.request(Requests.invert, { model: { configPath }, inputPath: input, outputPath: join(dir, 'out.npy'), allowNonFinite: true });
  assert.equal(result.nonFiniteInputs, 1);
  // a NaN in the input makes the round-trip error NaN; it must arrive as NaN, not null or 0
  assert.ok(Number.isNaN(result.roundTrip.maxAbs), `roundTrip.maxAbs arrived as ${String(result.roundTrip.maxAbs)}`);
  assert.ok(Number.isNaN(result.roundTrip.relL2), `roundTrip.relL2 arrived as ${String(result.roundTrip.relL2)}`);
});
