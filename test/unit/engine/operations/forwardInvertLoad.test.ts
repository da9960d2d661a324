// The public forward, invert and load operations over .npy and model files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy, writeNpy } from '../../../../engine/io/npy';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk, predict } from '../../../../engine/model/forward';
import { saveModel } from '../../../../engine/model/saveLoad';
import { buildNetwork } from '../../../../engine/model/network';
import { forward } from '../../../../engine/operations/forward';
import { invert } from '../../../../engine/operations/invert';
import { load } from '../../../../engine/operations/load';
import { maxAbs, maxAbsDiff, mnistLikeConfig, randomImages, stridedConfig, useTestBackend } from '../networkFixtures';

let dir: string;
before(async () => {
  await useTestBackend();
  dir = mkdtempSync(join(tmpdir(), 'revnet-ops-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function writeImages(path: string, images: tf.Tensor4D): Promise<void> {
  await writeNpy(path, { shape: images.shape, data: images.dataSync() });
}

function fromNpy(path: string): tf.Tensor {
  const array = readNpy(path);
  return tf.tensor(array.data as Float32Array, array.shape);
}

test('forward and invert of a saved model with data normalisation: image → features → image', async () => {
  const config: RevNetConfig = { ...mnistLikeConfig, normalization: { mean: [0.13], std: [0.31] } };
  const net = buildNetwork(config, 4);
  const paths = await saveModel(dir, 'digits', net, { normalization: { mean: [0.13], std: [0.31] } });
  const images = tf.tidy(() => tf.abs(randomImages(config, 3, 7)));
  await writeImages(join(dir, 'x.npy'), images);

  const result = await forward({ model: { configPath: paths.configPath }, inputPath: join(dir, 'x.npy'), outputPath: join(dir, 'y.npy') });
  assert.deepEqual(result.shape, [3, 7, 7, 16]);
  const features = fromNpy(join(dir, 'y.npy'));
  const normalized: tf.Tensor4D = tf.tidy(() => tf.div(tf.sub(images, 0.13), 0.31));
  const expected = forwardTrunk(net, normalized).features;
  assert.ok(maxAbsDiff(features, expected) <= 1e-6 * maxAbs(expected), 'forward applies the normalisation, then the trunk');

  const logits = await forward({ model: { configPath: paths.configPath }, inputPath: join(dir, 'x.npy'), outputPath: join(dir, 'logits.npy'), logits: true });
  assert.deepEqual(logits.shape, [3, 10]);
  const written = fromNpy(join(dir, 'logits.npy'));
  const expectedLogits = predict(net, normalized);
  assert.ok(maxAbsDiff(written, expectedLogits) <= 1e-5 * Math.max(1, maxAbs(expectedLogits)));

  const inverted = await invert({ model: { configPath: paths.configPath }, inputPath: join(dir, 'y.npy'), outputPath: join(dir, 'xr.npy') });
  assert.equal(inverted.reachedInput, 'image');
  assert.deepEqual(inverted.shape, [3, 28, 28, 1]);
  const image = fromNpy(join(dir, 'xr.npy'));
  // the image-space error is the network-space error times std 0.31; see test/unit/engine/model/invert.test.ts for the bound
  const err = maxAbsDiff(image, images);
  assert.ok(err <= 64 * 2 ** -24 * maxAbs(expected) * 6 * 0.31, `inverted image off by ${err}`);
  assert.ok(inverted.roundTrip.relL2 < 1e-5 && inverted.roundTrip.maxAbs <= 64 * 2 ** -24 * maxAbs(expected) * 6);

  const partial = await invert({ model: { configPath: paths.configPath }, inputPath: join(dir, 'y.npy'), outputPath: join(dir, 's1.npy'), from: 'stage2' });
  assert.equal(partial.reachedInput, 'image');
  await assert.rejects(
    invert({ model: { configPath: paths.configPath }, inputPath: join(dir, 'y.npy'), outputPath: join(dir, 's1.npy'), from: 'stage1.unit1', overwrite: true }),
    (error: Error) =>
      error.message.startsWith(`${join(dir, 'y.npy')}: has shape (3, 7, 7, 16); model "`) &&
      error.message.endsWith('" inverts either a batch of outputs of stage1.unit1 (--from stage1.unit1), shape (N, 14, 14, 4), or one image, shape (28, 28, 1) or (1, 28, 28, 1) (NHWC)'),
  );
  tf.dispose([images, features, normalized, expected, written, expectedLogits, image]);
  net.dispose();
});

test('invert on a model with strided transitions stops at the last transition and says so', async () => {
  const net = buildNetwork(stridedConfig, 2);
  const paths = await saveModel(dir, 'strided', net, {});
  const images = randomImages(stridedConfig, 2, 3);
  await writeImages(join(dir, 'sx.npy'), images);
  await forward({ model: { configPath: paths.configPath }, inputPath: join(dir, 'sx.npy'), outputPath: join(dir, 'sy.npy') });
  const result = await invert({ model: { configPath: paths.configPath }, inputPath: join(dir, 'sy.npy'), outputPath: join(dir, 'sxr.npy') });
  assert.equal(result.reachedInput, 'output of stage3.unit0');
  assert.deepEqual(result.shape, [2, 2, 2, 32]);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true });
  const reached = fromNpy(join(dir, 'sxr.npy'));
  const truth = run.blockOutputs?.get('stage3.unit0') as tf.Tensor4D;
  assert.ok(maxAbsDiff(reached, truth) <= 64 * 2 ** -24 * maxAbs(run.features) * 2);
  tf.dispose([images, reached, ...(run.blockOutputs?.values() ?? [])]);
  net.dispose();
});

test('load summarises a preset and a saved model', async () => {
  const summary = await load({ model: { preset: 'mnist-small' } });
  assert.equal(summary.trunkInvertible, true);
  assert.deepEqual(summary.blocks.map((b) => `${b.id}:${b.kind}`), ['stage1.unit0:reversible', 'stage1.unit1:reversible', 'stage2.unit0:reversible', 'stage2.unit1:reversible']);
  const net = buildNetwork(stridedConfig, 2);
  const expectedParams = [...net.weights.params.values()].reduce((sum, v) => sum + v.size, 0);
  const paths = await saveModel(dir, 'strided-load', net, {});
  const strided = await load({ model: { configPath: paths.configPath } });
  assert.equal(strided.params, expectedParams);
  assert.equal(strided.trunkInvertible, false);
  assert.equal(strided.blocks.find((b) => b.id === 'stage2.unit0')?.kind, 'transition');
  net.dispose();
  await assert.rejects(load({ model: { preset: 'nope' } }), /unknown preset "nope"/);
});
