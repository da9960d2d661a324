// The end-of-epoch evaluation yields to the event loop after every step of the trunk, not only between batches
// (revnet-38's forward of one test batch blocked status requests for ~1 s): its accuracy equals the network's own
// predict (one synchronous call), a cancel seen at any of its check points stops it (undefined) and no tensor
// is left behind. On main the cancel was looked at only before each batch: one check per batch.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeNormalization } from '../../../../engine/data/normalization';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { identityOrder, makeBatch } from '../../../../engine/train/batches';
import { evaluateAccuracy } from '../../../../engine/train/evaluate';
import { mnistLikeConfig, useTestBackend } from '../networkFixtures';
import { SeededRandom } from '../../../../engine/util/random';

before(useTestBackend);

test('evaluation checks the cancel after every trunk step, equals predict, and stops cleanly at every check', async () => {
  const config = withDefaults(mnistLikeConfig);
  const network = buildNetwork(config, 4);
  const random = new SeededRandom(9);
  const count = 30;
  const split = { images: Float32Array.from({ length: count * 784 }, () => random.next()), labels: Int32Array.from({ length: count }, () => random.int(10)), count };
  const shape = { height: 28, width: 28, channels: 1 };
  const normalization = computeNormalization(split, 1);
  const batchSize = 16;
  try {
    // the reference: predict (one tidy over the whole network) on the same batches
    let expected = 0;
    for (let start = 0; start < count; start += batchSize) {
      const batch = makeBatch(split, shape, normalization, identityOrder(count), start, Math.min(batchSize, count - start));
      expected += tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(network.predict(batch.images), 1), batch.labels), 'int32')).dataSync()[0]);
      tf.dispose([batch.images, batch.labels]);
    }
    const tensors = tf.memory().numTensors;
    let checks = 0;
    const counting = { get cancelled() { checks += 1; return false; } };
    assert.equal(await evaluateAccuracy(network, split, shape, normalization, counting, { batchSize }), expected / count);
    assert.equal(tf.memory().numTensors, tensors);
    const batches = Math.ceil(count / batchSize);
    const trunkSteps = network.architecture.steps.length;
    assert.ok(checks >= batches * (trunkSteps + 1), `${checks} cancel checks for ${batches} batches of ${trunkSteps} trunk steps: the forward pass did not yield per step`);
    for (let at = 1; at <= checks; at++) {
      let seen = 0;
      const stopAt = { get cancelled() { seen += 1; return seen >= at; } };
      assert.equal(await evaluateAccuracy(network, split, shape, normalization, stopAt, { batchSize }), undefined, `cancelled at check ${at}`);
      assert.equal(seen, at, `cancelled at check ${at}, yet checked ${seen} times`);
      assert.equal(tf.memory().numTensors, tensors, `tensors left after a cancel at check ${at}`);
    }
  } finally {
    network.dispose();
  }
});
