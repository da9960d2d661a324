// A long data load yields between its chunks (each file read, every 2^20 values converted or made) and stops at
// the first pause that throws (a cancel): loadDatasetYielding gives exactly loadDataset's data when not
// stopped, and an inspection cancelled during its data load ends there, before its next phase. On main a data
// load was one synchronous call: a cancel was seen only after it, at the next phase.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DataSpec } from '../../../../protocol/engineApi';
import { loadDataset, loadDatasetYielding } from '../../../../engine/data/loadDataset';
import { writeNpySync } from '../../../../engine/io/npy';
import { InspectionCancelled, inspectResolved } from '../../../../engine/inspect/inspectModel';
import { resolveModel } from '../../../../engine/model/resolveModel';
import type { CancelSignal } from '../../../../engine/util/cancelSignal';

const dir = mkdtempSync(join(tmpdir(), 'revnet-load-'));
before(async () => {
  await tf.setBackend('cpu');
  // 3000 uint8 images of 28x28x3 (7 MB, 7 chunks)
  const count = 3000;
  const images = new Uint8Array(count * 28 * 28 * 3);
  for (let i = 0; i < images.length; i++) images[i] = (i * 7) % 256;
  writeNpySync(join(dir, 'images.npy'), { shape: [count, 28, 28, 3], data: images });
  writeNpySync(join(dir, 'labels.npy'), { shape: [count], data: Int32Array.from({ length: count }, (_, i) => i % 10) });
});
after(() => rmSync(dir, { recursive: true, force: true }));

class Stop extends Error {}

const specs: Record<string, { spec: DataSpec; options: { shape?: { height: number; width: number; channels: number } } }> = {
  random: { spec: { kind: 'random', count: 8000, seed: 3 }, options: { shape: { height: 32, width: 32, channels: 3 } } },
  npy: { spec: { kind: 'npy', images: join(dir, 'images.npy'), labels: join(dir, 'labels.npy') }, options: {} },
};

for (const [name, { spec, options }] of Object.entries(specs)) {
  test(`a ${name} data load yields between chunks, gives loadDataset's data, and stops at the pause that throws`, async () => {
    let pauses = 0;
    const whole = await loadDatasetYielding(spec, options, async () => {
      pauses += 1;
      await Promise.resolve();
    });
    const reference = loadDataset(spec, options);
    assert.deepEqual(whole.train.images, reference.train.images);
    assert.deepEqual(whole.test.labels, reference.test.labels);
    assert.ok(pauses >= 4, `${name}: only ${pauses} pauses in a load of ${reference.train.images.length + reference.test.images.length} values`);
    for (const at of [1, Math.ceil(pauses / 2), pauses]) {
      let seen = 0;
      await assert.rejects(
        loadDatasetYielding(spec, options, async () => {
          seen += 1;
          await Promise.resolve();
          if (seen === at) throw new Stop();
        }),
        Stop,
      );
      assert.equal(seen, at, `${name}: stopped at pause ${at}, yet paused ${seen} times`);
    }
  });
}

test('an inspection cancelled during its data load stops there, before its next phase, leaving no tensors', async () => {
  const resolved = await resolveModel({ preset: 'mnist-tiny', seed: 1 }, { weights: 'fresh' });
  const tensors = tf.memory().numTensors;
  // cancelled at its 3rd check: the 1st is before the data phase, the next ones come inside the load
  const stop: CancelSignal & { checks: number } = {
    checks: 0,
    get cancelled() {
      this.checks += 1;
      return this.checks >= 3;
    },
  };
  const phases: string[] = [];
  try {
    await assert.rejects(
      inspectResolved(resolved, { batchSize: 4, data: { kind: 'random', count: 20000, seed: 5 }, onPhase: (phase) => phases.push(phase) }, stop),
      InspectionCancelled,
    );
    assert.deepEqual(phases, ['data'], 'the cancel must end the data load, before the next phase');
    assert.equal(stop.checks, 3);
    assert.equal(tf.memory().numTensors, tensors);
  } finally {
    resolved.network.dispose();
  }
});
