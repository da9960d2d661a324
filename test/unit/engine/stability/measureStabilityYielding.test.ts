// The stability measurement of an inspection yields between its pieces (every trunk step of its forward passes,
// every chain step, every power iteration): the numbers equal the synchronous measurement's, and a pause that
// throws (Inspect's cancel) at its pauses ends it there, leaving no tensor behind. On main it was one
// synchronous call that looked at the cancel only between units, without letting a cancel message arrive.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { buildNetwork } from '../../../../engine/model/network';
import { measureStability, measureStabilityYielding } from '../../../../engine/stability/measureStability';
import { mnistLikeConfig, randomImages, useTestBackend } from '../networkFixtures';
import { assertStopsCleanlyAtEveryPause } from '../stopAtPauses';

before(useTestBackend);

test('a yielding stability measurement gives the synchronous numbers and stops at any pause without leaks', async () => {
  const net = buildNetwork(mnistLikeConfig, 3);
  const images = randomImages(mnistLikeConfig, 4, 5);
  const options = { batchSize: 4, maxIterations: 3, seed: 1 };
  try {
    const tensors = tf.memory().numTensors;
    const sync = measureStability(net, images, 'training', options);
    let pauses = 0;
    const paused = await measureStabilityYielding(net, images, 'training', options, async () => {
      pauses += 1;
      await Promise.resolve();
    });
    assert.equal(tf.memory().numTensors, tensors);
    assert.deepEqual({ ...paused, elapsedMs: 0 }, { ...sync, elapsedMs: 0 });
    const units = mnistLikeConfig.stages.reduce((sum, stage) => sum + stage.units, 0);
    // at least: the forward pass, and per unit its forward and inverse power iterations
    assert.ok(pauses >= net.architecture.steps.length + 2 * units, `${pauses} pauses`);
    // every pause of the first pieces, then every fifth, and the last
    const stops = new Set([...Array.from({ length: pauses }, (_, i) => i + 1).filter((at) => at <= 12 || at % 5 === 0), pauses]);
    await assertStopsCleanlyAtEveryPause(stops, (pause) => measureStabilityYielding(net, images, 'training', options, pause));
  } finally {
    tf.dispose(images);
    net.dispose();
  }
});
