// Every public model, inversion and backprop operation leaves tf.memory().numTensors where it found it:
// run once to warm up (kernels, caches), count, run again, count again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients, computeGradientsWithHooks, disposeStep } from '../../../engine/backprop';
import { measureStepPeak } from '../../../engine/backprop/measurePeak';
import { writeNpy } from '../../../engine/io/npy';
import { BatchStatsRecorder } from '../../../engine/model/batchStats';
import { forwardTrunk, predict } from '../../../engine/model/forward';
import { invertFrom, invertStep, invertTrunk } from '../../../engine/model/invert';
import { saveModel } from '../../../engine/model/saveLoad';
import { buildNetwork, networkFromTensors, networkToTensors, type RevNet } from '../../../engine/model/network';
import { forward } from '../../../engine/operations/forward';
import { invert } from '../../../engine/operations/invert';
import { load } from '../../../engine/operations/load';
import { randomImages, randomLabels, squeezeOnlyConfig, stridedConfig, useTestBackend } from './networkFixtures';

let dir: string;
let squeezeNet: RevNet;
let stridedNet: RevNet;
let images: tf.Tensor4D;
let stridedImages: tf.Tensor4D;
let labels: tf.Tensor1D;
let configPath: string;

before(async () => {
  await useTestBackend();
  dir = mkdtempSync(join(tmpdir(), 'revnet-leaks-'));
  squeezeNet = buildNetwork(squeezeOnlyConfig, 1);
  stridedNet = buildNetwork(stridedConfig, 1);
  images = randomImages(squeezeOnlyConfig, 4, 1);
  stridedImages = randomImages(stridedConfig, 4, 1);
  labels = randomLabels(squeezeOnlyConfig, 4, 2);
  configPath = (await saveModel(dir, 'leaky', squeezeNet, {})).configPath;
  await writeNpy(join(dir, 'x.npy'), { shape: images.shape, data: images.dataSync() });
  const features = forwardTrunk(squeezeNet, images).features;
  await writeNpy(join(dir, 'y.npy'), { shape: features.shape, data: features.dataSync() });
  features.dispose();
});

after(() => {
  tf.dispose([images, stridedImages, labels]);
  squeezeNet.dispose();
  stridedNet.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const operations: Record<string, () => unknown> = {
  'buildNetwork + dispose': () => buildNetwork(stridedConfig, 3).dispose(),
  'networkFromTensors + dispose': () => networkFromTensors(squeezeOnlyConfig, networkToTensors(squeezeNet)).dispose(),
  'networkFromTensors rejecting bad tensors': () => {
    const tensors = networkToTensors(squeezeNet);
    tensors.delete('head.fc.bias');
    assert.throws(() => networkFromTensors(squeezeOnlyConfig, tensors));
  },
  predict: () => predict(stridedNet, stridedImages).dispose(),
  'RevNet.predict': () => stridedNet.predict(stridedImages).dispose(),
  'forwardTrunk keeping block outputs': () => {
    const run = forwardTrunk(stridedNet, stridedImages, { keepBlockOutputs: true, training: true });
    tf.dispose([run.features, ...(run.blockOutputs?.values() ?? [])]);
  },
  'forwardTrunk recording batch statistics': () => {
    const stats = new BatchStatsRecorder();
    forwardTrunk(stridedNet, stridedImages, { training: true, stats }).features.dispose();
    stats.dispose();
  },
  'invertTrunk / invertFrom / invertStep': () => {
    const run = forwardTrunk(squeezeNet, images, { keepBlockOutputs: true });
    invertTrunk(squeezeNet, run.features).dispose();
    invertFrom(squeezeNet, run.blockOutputs?.get('stage1.unit1') as tf.Tensor4D, 'stage1.unit1').input.dispose();
    invertStep(squeezeNet, 'stage2.squeeze', run.blockOutputs?.get('stage2.squeeze') as tf.Tensor4D).dispose();
    tf.dispose([...(run.blockOutputs?.values() ?? [])]);
  },
  'invertFrom stopping at a transition, and refusing in strict mode': () => {
    const features = forwardTrunk(stridedNet, stridedImages).features;
    invertFrom(stridedNet, features, 'trunk').input.dispose();
    assert.throws(() => invertTrunk(stridedNet, features));
    features.dispose();
  },
  'computeGradients standard': () => {
    const step = computeGradients(squeezeNet, images, labels, 'standard');
    disposeStep(step);
  },
  'computeGradients reversible (strided, with hooks)': () => {
    const stridedLabels = randomLabels(stridedConfig, 4, 2);
    const step = computeGradientsWithHooks(stridedNet, stridedImages, stridedLabels, 'reversible', { onRebuilt: () => undefined });
    tf.dispose([step.loss, step.logits, ...step.grads.values(), stridedLabels]);
  },
  measureStepPeak: () => measureStepPeak(squeezeNet, images, labels, 'reversible'),
  'operation forward': () => forward({ model: { configPath }, inputPath: join(dir, 'x.npy'), outputPath: join(dir, 'out.npy'), overwrite: true }),
  'operation forward (logits)': () => forward({ model: { configPath }, inputPath: join(dir, 'x.npy'), outputPath: join(dir, 'out.npy'), logits: true, overwrite: true }),
  'operation invert': () => invert({ model: { configPath }, inputPath: join(dir, 'y.npy'), outputPath: join(dir, 'back.npy'), overwrite: true }),
  'operation invert with a bad --from': () => assert.rejects(invert({ model: { configPath }, inputPath: join(dir, 'y.npy'), outputPath: join(dir, 'back.npy'), from: 'stage5', overwrite: true })),
  'operation load': () => load({ model: { configPath } }),
};

for (const [name, run] of Object.entries(operations)) {
  test(`no leak: ${name}`, async () => {
    await run();
    const start = tf.memory().numTensors;
    await run();
    await run();
    const leaked = tf.memory().numTensors - start;
    assert.equal(leaked, 0, `${name} leaked ${leaked} tensors`);
  });
}
