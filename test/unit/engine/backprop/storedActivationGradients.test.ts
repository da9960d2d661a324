// Standard backprop as a stepwise pass (every step's input stored, each step's vector-Jacobian product taken from
// it, a pause after every step: what stability tracking runs during training) against autodiff's one tape over
// the whole network (standardGradients): the same loss, gradients and running statistics up to float32 rounding;
// a pause that throws ends it at once, at any pause, leaving no tensor behind.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { storedActivationGradientsYielding } from '../../../../engine/backprop/reversible';
import { standardGradients } from '../../../../engine/backprop/standard';
import { buildNetwork } from '../../../../engine/model/network';
import { compareVectors, mnistLikeConfig, randomImages, stridedConfig, useTestBackend } from '../networkFixtures';
import { MAX_LOSS_ERR, MAX_REL_ERR, MAX_VALUE_ERR, MIN_COSINE } from '../gradientTolerance';
import { snapshotWeights } from '../../../../engine/inspect/weightSnapshot';
import { assertStopsCleanlyAtEveryPause, everyPause } from '../stopAtPauses';

before(useTestBackend);

for (const [name, config] of [['squeeze', mnistLikeConfig], ['strided', stridedConfig]] as const) {
  test(`stepwise standard gradients (${name} trunk) equal autodiff's; a throwing pause leaks nothing`, async () => {
    const net = buildNetwork(config, 5);
    const images = randomImages(config, 4, 3);
    const labels = tf.tensor1d([1, 7, 0, 2].map((c) => c % config.classes), 'int32');
    const snapshot = snapshotWeights(net);
    try {
      const tape = standardGradients(net, images, labels);
      const buffersByTape = [...net.weights.buffers.values()].map((v) => Array.from(v.dataSync()));
      snapshot.restore();
      let pauses = 0;
      const stepwise = await storedActivationGradientsYielding(net, images, labels, async () => {
        pauses += 1;
        await Promise.resolve();
      });
      const buffersStepwise = [...net.weights.buffers.values()].map((v) => Array.from(v.dataSync()));
      snapshot.restore();
      const steps = net.architecture.steps.length;
      assert.ok(pauses >= steps + 1, `${pauses} pauses for ${steps} trunk steps`);
      const loss = [tape.loss.dataSync()[0], stepwise.loss.dataSync()[0]];
      assert.ok(Math.abs(loss[0] - loss[1]) <= MAX_LOSS_ERR * Math.max(1, Math.abs(loss[0])), `loss ${loss[0]} vs ${loss[1]}`);
      for (const [param, g] of tape.grads) {
        const other = stepwise.grads.get(param);
        assert.ok(other !== undefined, param);
        const { relErr, cosine } = compareVectors(other, g);
        assert.ok(relErr <= MAX_REL_ERR && cosine >= MIN_COSINE, `${param}: relErr ${relErr}, cosine ${cosine}`);
      }
      buffersByTape.forEach((values, b) => {
        const scale = Math.max(1, ...values.map(Math.abs));
        values.forEach((v, k) => assert.ok(Math.abs(v - buffersStepwise[b][k]) <= MAX_VALUE_ERR * scale, `running statistic ${b}[${k}]`));
      });
      tf.dispose([tape.loss, tape.logits, ...tape.grads.values(), stepwise.loss, stepwise.logits, ...stepwise.grads.values()]);
      await assertStopsCleanlyAtEveryPause(everyPause(pauses), (pause) => storedActivationGradientsYielding(net, images, labels, pause), () => {
        snapshot.restore();
      });
    } finally {
      snapshot.restore();
      tf.dispose([images, labels]);
      net.dispose();
    }
  });
}
