// Reversible backprop keeps memory flat in depth; standard backprop grows with it.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { measureStepPeak } from '../../../../engine/backprop/measurePeak';
import type { RevNetConfig } from '../../../../engine/model/config';
import { buildNetwork } from '../../../../engine/model/network';
import { randomImages, randomLabels, useTestBackend } from '../networkFixtures';

before(useTestBackend);

/**
 * Two stages, chosen so that activations dominate and the test stays fast: a 16x16x4 batch of 16,
 * squeezed to 8x8x16 (one activation tensor: 64 KiB), residual width 1, so one unit's parameters and
 * buffers are ~1.3 KiB. The reversible peak is one unit's recomputation (~0.7 MiB) plus parameters and
 * gradients (~2.6 KiB per unit): 2 → 16 units per stage adds 28 units, ~75 KiB, about 10% of the step's
 * own bytes and 6% of the whole peak (weights and batch included). Standard keeps every unit's
 * activations (~1.1 MiB each): 4 → 32 units is ~7x.
 */
function config(units: number): RevNetConfig {
  return {
    name: `memory-${units}`,
    input: { height: 16, width: 16, channels: 4 },
    classes: 10,
    stem: { kind: 'squeeze' },
    stages: [
      { units, channels: 16, residual: 'basic', width: 1, downsample: 'none' },
      { units, channels: 16, residual: 'basic', width: 1, downsample: 'none' },
    ],
    head: { pool: 'global-average' },
  };
}

test('peak bytes of a step from 2 to 16 units per stage: reversible grows ≤ 10%, standard ≥ 3x', async (t) => {
  const peaks = new Map<string, number>();
  for (const units of [2, 16]) {
    const c = config(units);
    const net = buildNetwork(c, 1);
    const images = randomImages(c, 16, 2);
    const labels = randomLabels(c, 16, 3);
    for (const mode of ['standard', 'reversible'] as const) {
      const peak = await measureStepPeak(net, images, labels, mode);
      peaks.set(`${mode}/${units}`, peak.peakBytes);
      t.diagnostic(`${mode}, ${units} units: peakBytes ${(peak.peakBytes / 2 ** 20).toFixed(2)} MiB (step's own ${(peak.stepPeakBytes / 2 ** 20).toFixed(2)} MiB, at start ${(peak.startBytes / 2 ** 20).toFixed(2)} MiB)`);
    }
    tf.dispose([images, labels]);
    net.dispose();
  }
  const reversibleGrowth = (peaks.get('reversible/16') as number) / (peaks.get('reversible/2') as number);
  const standardGrowth = (peaks.get('standard/16') as number) / (peaks.get('standard/2') as number);
  t.diagnostic(`growth 2 → 16 units: reversible ${reversibleGrowth.toFixed(3)}x, standard ${standardGrowth.toFixed(2)}x`);
  assert.ok(reversibleGrowth <= 1.1, `reversible peak grew ${reversibleGrowth}x`);
  assert.ok(standardGrowth >= 3, `standard peak grew only ${standardGrowth}x`);
});
