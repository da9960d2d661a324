// The recompute cost as paired repeats: every ratio is that repeat's reversible time over its standard time,
// the median and spread are those of the ratios (recomputed here), the inspection reports them, no tensor leaks.
// Times themselves are never asserted (a loaded machine); only how they are combined.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { inspectResolved } from '../../../../engine/inspect/inspectModel';
import { timePairedSteps } from '../../../../engine/inspect/stepTiming';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { randomImages, randomLabels, squeezeOnlyConfig, useTestBackend } from '../networkFixtures';

before(useTestBackend);

const config = withDefaults(squeezeOnlyConfig);

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

test('paired repeats: one ratio per repeat, median and min-max of those ratios, a yield after each pair, no leak', async () => {
  const net = buildNetwork(config, 1);
  const images = randomImages(config, 4, 2);
  const labels = randomLabels(config, 4, 3);
  const count = tf.memory().numTensors;
  let pairs = 0;
  const t = await timePairedSteps(net, images, labels, { maxSteps: 4, budgetMs: 1e9 }, async () => {
    pairs++;
  });
  assert.equal(tf.memory().numTensors, count);
  assert.equal(pairs, 4);
  assert.equal(t.standard.samples.length, 4);
  assert.equal(t.reversible.samples.length, 4);
  const ratios = t.standard.samples.map((ms, i) => t.reversible.samples[i] / ms);
  assert.deepEqual(t.ratio.samples, ratios);
  assert.equal(t.ratio.median, medianOf(ratios));
  assert.equal(t.ratio.min, Math.min(...ratios));
  assert.equal(t.ratio.max, Math.max(...ratios));
  assert.equal(t.standard.medianMs, medianOf(t.standard.samples));
  assert.equal(t.reversible.medianMs, medianOf(t.reversible.samples));
  // a budget already spent still times one pair
  const one = await timePairedSteps(net, images, labels, { maxSteps: 5, budgetMs: 0, warmUp: 0 });
  assert.equal(one.ratio.samples.length, 1);
  tf.dispose([images, labels]);
  net.dispose();
});

test('the inspection reports the recompute ratio with its spread and repeats', async () => {
  const net = buildNetwork(config, 1);
  const report = await inspectResolved({ network: net, config }, { batchSize: 4, depth: false, timing: { maxSteps: 3, budgetMs: 1e9 } }, { cancelled: false });
  net.dispose();
  const r = report.timing.recomputeRatio;
  assert.ok(r !== undefined);
  assert.equal(r.repeats, 3);
  assert.ok(r.min <= r.median && r.median <= r.max, JSON.stringify(r));
  assert.ok(r.min > 0 && Number.isFinite(r.max));
});
