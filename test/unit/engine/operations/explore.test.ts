// The Invert view's operation: with no edits the image comes back (float32 tolerance); edits change the
// output exactly as described and the inverted image accordingly; interpolating fully towards another sample
// gives that sample back; a model whose trunk is not invertible is refused with the part that stops it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ExploreResult } from '../../../../protocol/engineApi';
import { writeNpySync } from '../../../../engine/io/npy';
import { explore } from '../../../../engine/operations/explore';
import { useTestBackend } from '../networkFixtures';

before(useTestBackend);

const model = { preset: 'mnist-tiny', seed: 3 };

/** max |a - b| in float64 */
function maxAbsDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

// float32 round trip through 2 reversible units of fresh weights on normalised digits (|x| up to ~3, features
// up to ~10): errors of a few 1e-6 (measured ~2e-6); 1e-4 leaves room, while any wrong edit or inverse is O(1)
const ROUND_TRIP = 1e-4;

test('no edits: the inverted image is the input; the numbers match the returned tensors', async () => {
  const count = tf.memory().numTensors;
  const r = await explore({ model, source: { sample: 5 }, edits: [] });
  assert.equal(tf.memory().numTensors, count);
  assert.deepEqual(r.input.shape, [28, 28, 1]);
  assert.deepEqual(r.output.shape, [14, 14, 4]);
  assert.deepEqual(r.edited.data, r.output.data);
  assert.equal(typeof r.label, 'number');
  const err = maxAbsDiff(r.input.data, r.inverted.data);
  assert.ok(err <= ROUND_TRIP, `round trip ${err}`);
  assert.equal(r.maxAbs, err);
  assert.equal(Math.max(...r.difference.data), err);
  const norm = Math.sqrt(r.input.data.reduce((s, v) => s + v * v, 0));
  const diff = Math.sqrt(r.input.data.reduce((s, v, i) => s + (v - r.inverted.data[i]) ** 2, 0));
  assert.ok(Math.abs(r.relL2 - diff / norm) <= 1e-12);
  assert.ok(r.input.data.some((v) => v > 0.5), 'a digit has bright pixels');
});

test('zeroing and scaling channels edit exactly those channels and change the inverted image', async () => {
  const plainRun = await explore({ model, source: { sample: 5 }, edits: [] });
  const r = await explore({ model, source: { sample: 5 }, edits: [{ kind: 'zeroChannels', channels: [2] }, { kind: 'scaleChannels', channels: [3], factor: 2 }] });
  const channels = 4;
  r.edited.data.forEach((v, i) => {
    const c = i % channels;
    const expected = c === 2 ? 0 : c === 3 ? 2 * plainRun.output.data[i] : plainRun.output.data[i];
    assert.equal(v, Math.fround(expected), `value ${i} (channel ${c})`);
  });
  assert.ok(r.maxAbs > 0.01, `the edit shows in the image: max |Δ| ${r.maxAbs}`);
});

test('noise of std 0 changes nothing; interpolating with t=1 inverts to the other sample', async () => {
  const base = await explore({ model, source: { sample: 1 }, edits: [] });
  const quiet = await explore({ model, source: { sample: 1 }, edits: [{ kind: 'noise', std: 0, seed: 9 }] });
  assert.deepEqual(quiet.inverted.data, base.inverted.data);
  const noisy = await explore({ model, source: { sample: 1 }, edits: [{ kind: 'noise', std: 0.5, seed: 9 }] });
  const again = await explore({ model, source: { sample: 1 }, edits: [{ kind: 'noise', std: 0.5, seed: 9 }] });
  assert.deepEqual(noisy.edited.data, again.edited.data, 'seeded noise');
  assert.ok(noisy.maxAbs > 0.01);
  const other = await explore({ model, source: { sample: 7 }, edits: [] });
  const towards = await explore({ model, source: { sample: 1 }, edits: [{ kind: 'interpolate', otherSample: 7, t: 1 }] });
  assert.ok(maxAbsDiff(towards.inverted.data, other.input.data) <= ROUND_TRIP);
  assert.ok(maxAbsDiff(towards.edited.data, other.output.data) <= 1e-6);
});

test('a one-image .npy is explored like a sample; bad sources and edits are clear errors', async () => {
  const sample = await explore({ model, source: { sample: 2 }, edits: [] });
  const dir = mkdtempSync(join(tmpdir(), 'revnet-explore-'));
  const path = join(dir, 'digit.npy');
  writeNpySync(path, { shape: [1, 28, 28, 1], data: Float32Array.from(sample.input.data) });
  const fromFile: ExploreResult = await explore({ model, source: { npyPath: path }, edits: [] });
  assert.deepEqual(fromFile.input.data, sample.input.data);
  assert.ok(fromFile.maxAbs <= ROUND_TRIP);
  assert.equal(fromFile.label, undefined);
  const wrong = join(dir, 'wrong.npy');
  writeNpySync(wrong, { shape: [28, 28], data: new Float32Array(784) });
  await assert.rejects(explore({ model, source: { npyPath: wrong }, edits: [] }), /wrong\.npy: has shape \(28, 28\); model "mnist-tiny" inverts either a batch of outputs of the trunk, shape \(N, 14, 14, 4\), or one image, shape \(28, 28, 1\) or \(1, 28, 28, 1\)/);
  await assert.rejects(explore({ model, source: { sample: 99999 }, edits: [] }), /sample 99999 does not exist/);
  await assert.rejects(explore({ model, source: { sample: 0 }, edits: [{ kind: 'zeroChannels', channels: [4] }] }), /edits\[0\]: channel 4 does not exist; the output has channels 0-3/);
});

test('a trunk that does not invert to the image is refused, naming where it stops', async () => {
  const count = tf.memory().numTensors;
  await assert.rejects(
    explore({ model: { preset: 'revnet-38' }, data: { kind: 'random', count: 8, seed: 1 }, source: { sample: 0 }, edits: [] }),
    /not invertible to the image: stage3\.unit0 is a strided transition and is not invertible; inverted back to the output of stage3\.unit0/,
  );
  assert.equal(tf.memory().numTensors, count);
});
