// One rule for a .npy to invert, in the palette's Invert Tensor… (invert) and the panel's "Invert a .npy file…"
// (explore): a batch of trunk outputs or one image, the same refusals with the same words. Checked against the
// model's own forward pass (forward writes the outputs; the image the outputs came from is the reference).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { parseNpy, writeNpySync } from '../../../../engine/io/npy';
import { explore } from '../../../../engine/operations/explore';
import { forward } from '../../../../engine/operations/forward';
import { invert } from '../../../../engine/operations/invert';
import { inversionInputKind, type InversionShapes } from '../../../../engine/operations/tensorToInvert';
import { useTestBackend } from '../networkFixtures';

before(useTestBackend);

const shapes: InversionShapes = { modelName: 'm', image: [28, 28, 1], output: [14, 14, 4], outputName: 'the trunk' };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test('the shapes each kind accepts, and one message naming both for anything else', () => {
  assert.equal(inversionInputKind('f.npy', [5, 14, 14, 4], shapes), 'outputs');
  assert.equal(inversionInputKind('f.npy', [14, 14, 4], shapes), 'outputs');
  assert.equal(inversionInputKind('f.npy', [28, 28, 1], shapes), 'image');
  assert.equal(inversionInputKind('f.npy', [1, 28, 28, 1], shapes), 'image');
  // a trunk that keeps the image's shape: the file is taken as outputs, as Invert Tensor always did
  assert.equal(inversionInputKind('f.npy', [2, 8, 8, 3], { ...shapes, image: [8, 8, 3], output: [8, 8, 3] }), 'outputs');
  const message = 'f.npy: has shape (2, 28, 28, 1); model "m" inverts either a batch of outputs of the trunk, shape (N, 14, 14, 4), or one image, shape (28, 28, 1) or (1, 28, 28, 1) (NHWC)';
  assert.throws(() => inversionInputKind('f.npy', [2, 28, 28, 1], shapes), { message });
  assert.throws(() => inversionInputKind('f.npy', [0, 14, 14, 4], shapes), /has shape \(0, 14, 14, 4\)/);
});

test('Invert Tensor and the panel take both kinds: outputs go back to their images, an image comes back through the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'revnet-to-invert-'));
  const model = { preset: 'mnist-tiny', seed: 3 };
  const images = Float32Array.from({ length: 2 * 784 }, (_, i) => ((i * 7919) % 251) / 250);
  writeNpySync(join(dir, 'images.npy'), { shape: [2, 28, 28, 1], data: images });
  writeNpySync(join(dir, 'image.npy'), { shape: [28, 28, 1], data: images.slice(0, 784) });
  await forward({ model, inputPath: join(dir, 'images.npy'), outputPath: join(dir, 'outputs.npy') });
  const outputs = parseNpy(readFileSync(join(dir, 'outputs.npy'))).data as Float32Array;
  const count = tf.memory().numTensors;

  // the palette: a batch of outputs (as before) and now one image
  const fromOutputs = await invert({ model, inputPath: join(dir, 'outputs.npy'), outputPath: join(dir, 'back.npy') });
  assert.equal(fromOutputs.given, 'outputs');
  assert.ok(maxAbsDiff(parseNpy(readFileSync(join(dir, 'back.npy'))).data as Float32Array, images) < 1e-4);
  const fromImage = await invert({ model, inputPath: join(dir, 'image.npy'), outputPath: join(dir, 'image.back.npy') });
  assert.equal(fromImage.given, 'image');
  assert.equal(fromImage.reachedInput, 'image');
  assert.ok(maxAbsDiff(parseNpy(readFileSync(join(dir, 'image.back.npy'))).data as Float32Array, images.slice(0, 784)) < 1e-4);
  assert.ok(fromImage.roundTrip.relL2 < 1e-5);

  // the panel: one image (as before) and now a batch of outputs, whose first is shown with its image recovered
  const panelImage = await explore({ model, source: { npyPath: join(dir, 'image.npy') }, edits: [] });
  assert.ok(maxAbsDiff(panelImage.input.data, images.slice(0, 784)) === 0);
  assert.ok(maxAbsDiff(panelImage.output.data, outputs.slice(0, 784)) < 1e-4);
  const panelOutputs = await explore({ model, source: { npyPath: join(dir, 'outputs.npy') }, edits: [] });
  assert.ok(maxAbsDiff(panelOutputs.output.data, outputs.slice(0, 784)) === 0);
  assert.ok(maxAbsDiff(panelOutputs.input.data, images.slice(0, 784)) < 1e-4, 'the shown input is the image the output came from');
  assert.match(panelOutputs.note ?? '', /holds 2 trunk outputs; the first is shown/);
  assert.equal(tf.memory().numTensors, count);

  // the same refusal, word for word, from both
  writeNpySync(join(dir, 'wrong.npy'), { shape: [3, 28, 28, 1], data: new Float32Array(3 * 784) });
  const fromPalette = await invert({ model, inputPath: join(dir, 'wrong.npy'), outputPath: join(dir, 'x.npy') }).then(() => '', (e: unknown) => (e as Error).message);
  const fromPanel = await explore({ model, source: { npyPath: join(dir, 'wrong.npy') }, edits: [] }).then(() => '', (e: unknown) => (e as Error).message);
  assert.match(fromPalette, /wrong\.npy: has shape \(3, 28, 28, 1\); model "mnist-tiny" inverts either a batch of outputs of the trunk/);
  assert.equal(fromPanel, fromPalette);
  // integers and non-finite values: the same words too
  writeNpySync(join(dir, 'nan.npy'), { shape: [28, 28, 1], data: new Float32Array(784).fill(Number.NaN) });
  const nanPalette = await invert({ model, inputPath: join(dir, 'nan.npy'), outputPath: join(dir, 'y.npy') }).then(() => '', (e: unknown) => (e as Error).message);
  const nanPanel = await explore({ model, source: { npyPath: join(dir, 'nan.npy') }, edits: [] }).then(() => '', (e: unknown) => (e as Error).message);
  assert.match(nanPalette, /holds 784 non-finite values/);
  assert.equal(nanPanel, nanPalette);
});
