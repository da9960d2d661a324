// The stability report on a small fully invertible network: no tensor leaks, float64 reconstruction far below
// float32, the chain bound above the measured chain error, the chain error of the reversible backward pass
// (engine/inspect/reconstruction.ts, another writer) reproduced, and every probe measured.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { measureReconstruction } from '../../../../engine/inspect/reconstruction';
import { buildNetwork, type RevNet } from '../../../../engine/model/network';
import { measureStability } from '../../../../engine/stability/measureStability';
import { PROBE_NAMES } from '../../../../engine/stability/probes';
import { mnistLikeConfig, randomImages, randomLabels, useTestBackend } from '../networkFixtures';

let net: RevNet;

before(async () => {
  await useTestBackend();
  net = buildNetwork(mnistLikeConfig, 3);
});

for (const mode of ['training', 'inference'] as const) {
  test(`stability report (BatchNorm ${mode}): leak-free, float64 below float32, bound above measurement`, (t) => {
    const images = randomImages(mnistLikeConfig, 4, 1);
    const labels = randomLabels(mnistLikeConfig, 4, 1);
    const before = tf.memory().numTensors;
    const report = measureStability(net, images, mode, { batchSize: 4, maxIterations: 8, float64: true });
    assert.equal(tf.memory().numTensors, before, 'measureStability leaks tensors');
    assert.equal(report.blocks.length, 4);
    assert.deepEqual(report.parts.map((p) => p.id), ['stage1', 'stage2', 'trunk']);
    const reconstruction = measureReconstruction(net, images, labels, mode);
    for (const block of report.blocks) {
      t.diagnostic(
        `${block.id}: Lip ${block.forwardLipschitz.value.toFixed(3)}/${block.inverseLipschitz.value.toFixed(3)}, chain ${block.errors.chainRelL2.toExponential(2)} ≤ predicted ${block.predictedChainRelL2.toExponential(2)}, float64 ${block.float64?.chainRelL2.toExponential(2)}`,
      );
      assert.ok(block.forwardLipschitz.value > 0 && block.inverseLipschitz.value > 0);
      // the product of a map's and its inverse's Lipschitz constants is at least 1
      assert.ok(block.conditionNumber >= 0.99, `${block.id} condition ${block.conditionNumber}`);
      assert.ok(block.errors.oneBlockRelL2 > 1e-10, `${block.id}: float32 should show rounding`);
      const f64 = block.float64;
      assert.ok(f64 !== undefined);
      assert.ok(f64.chainRelL2 < 1e-12 && f64.oneBlockRelL2 < 1e-12, `${block.id}: float64 errors ${JSON.stringify(f64)}`);
      assert.ok(block.predictedChainRelL2 >= 0.5 * block.errors.chainRelL2, `${block.id}: bound ${block.predictedChainRelL2} under measured ${block.errors.chainRelL2}`);
      for (const name of PROBE_NAMES) assert.ok(Number.isFinite(block.probes[name]?.chainRelL2), `${block.id}: probe ${name}`);
      const other = reconstruction.get(block.id);
      assert.ok(other !== undefined);
      // a different batch size (4 of 4 here) and code path, the same quantity: within float32 noise
      assert.ok(Math.abs(Math.log10(block.errors.chainRelL2 / other.chainRelL2)) < 1, `${block.id}: chain ${block.errors.chainRelL2} vs backward pass ${other.chainRelL2}`);
    }
    tf.dispose([images, labels]);
  });
}
