// The reversible pass run with a pause between the trunk's steps (training's way, so the event loop runs inside
// a step) gives the synchronous pass's gradients exactly, and a pause that throws (e.g. the process is stopping)
// ends it at once, at any of its pauses, leaving no tensor behind: no tf.tidy scope spans a pause.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients, computeGradientsYielding } from '../../../../engine/backprop';
import { buildNetwork } from '../../../../engine/model/network';
import { mnistLikeConfig, randomImages, stridedConfig, useTestBackend } from '../networkFixtures';
import { assertStopsCleanlyAtEveryPause, everyPause } from '../stopAtPauses';

before(useTestBackend);

for (const [name, config] of [['squeeze', mnistLikeConfig], ['strided', stridedConfig]] as const) {
  test(`reversible gradients with pauses (${name} trunk): the synchronous pass's numbers; a throwing pause leaks nothing`, async () => {
    const net = buildNetwork(config, 5);
    const images = randomImages(config, 2, 3);
    const labels = tf.tensor1d([1, 7], 'int32');
    try {
      const sync = computeGradients(net, images, labels, 'reversible');
      let pauses = 0;
      const paused = await computeGradientsYielding(net, images, labels, 'reversible', async () => {
        pauses += 1;
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      assert.ok(pauses >= 2 * config.stages.reduce((sum, stage) => sum + stage.units, 0), `${pauses} pauses`);
      assert.deepEqual(paused.loss.dataSync(), sync.loss.dataSync());
      for (const [param, g] of sync.grads) assert.deepEqual(paused.grads.get(param)?.dataSync(), g.dataSync(), param);
      tf.dispose([sync.loss, sync.logits, ...sync.grads.values(), paused.loss, paused.logits, ...paused.grads.values()]);
      await assertStopsCleanlyAtEveryPause(everyPause(pauses), (pause) => computeGradientsYielding(net, images, labels, 'reversible', pause));
    } finally {
      tf.dispose([images, labels]);
      net.dispose();
    }
  });
}
