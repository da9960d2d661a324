// The network's structure, tensor names and shapes, seeded initialisation, loading from named tensors,
// the squeeze layout and the BatchNorm running-statistic update.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { describeArchitecture } from '../../../../engine/model/architecture';
import { BatchStatsRecorder } from '../../../../engine/model/batchStats';
import { batchNormTraining } from '../../../../engine/model/batchNormTraining';
import { SeededRandom } from '../../../../engine/util/random';
import '../../../../engine/backprop/registerGradients';
import { forwardTrunk, predict } from '../../../../engine/model/forward';
import { buildNetwork, networkFromTensors, networkToTensors } from '../../../../engine/model/network';
import { squeeze, unsqueeze } from '../../../../engine/model/squeeze';
import { compareVectors, maxAbsDiff, randomImages, squeezeOnlyConfig, stridedConfig, useTestBackend } from '../networkFixtures';

before(useTestBackend);

test('tensor names and shapes follow the project conventions', () => {
  const arch = describeArchitecture(stridedConfig);
  const expect = (name: string, shape: number[]) => assert.deepEqual(arch.params.get(name) ?? arch.buffers.get(name), shape, name);
  expect('stem.conv.weight', [3, 3, 3, 8]);
  assert.equal(arch.params.has('stage1.unit0.f.bn1.gamma'), false, 'the very first unit has no leading BatchNorm in F');
  expect('stage1.unit0.g.bn1.gamma', [4]);
  expect('stage1.unit0.f.conv1.weight', [3, 3, 4, 4]);
  expect('stage1.unit1.f.bn1.mean', [4]);
  expect('stage2.unit0.f.conv1.weight', [3, 3, 4, 8]);
  expect('stage2.unit0.f.conv2.weight', [3, 3, 8, 8]);
  expect('stage3.unit0.f.conv1.weight', [1, 1, 8, 4]);
  expect('stage3.unit0.f.conv2.weight', [3, 3, 4, 4]);
  expect('stage3.unit0.f.conv3.weight', [1, 1, 4, 16]);
  expect('stage3.unit0.shortcut.weight', [1, 1, 8, 16]);
  expect('head.bn.variance', [32]);
  expect('head.hidden.weight', [2 * 2 * 32, 6]);
  expect('head.fc.weight', [6, 4]);
  expect('head.fc.bias', [4]);
  assert.deepEqual(
    arch.steps.map((s) => `${s.id}:${s.kind}`),
    ['stem:stem-conv', 'stage1.unit0:reversible', 'stage1.unit1:reversible', 'stage2.unit0:transition', 'stage2.unit1:reversible', 'stage3.unit0:transition', 'stage3.unit1:reversible'],
  );
  assert.deepEqual(arch.trunkShape, [2, 2, 32]);
  const squeezed = describeArchitecture(squeezeOnlyConfig);
  assert.deepEqual(
    squeezed.steps.map((s) => `${s.id}:${s.kind}:${s.outShape.join('x')}`),
    ['stem:squeeze:4x4x4', 'stage1.unit0:reversible:4x4x4', 'stage1.unit1:reversible:4x4x4', 'stage2.squeeze:squeeze:2x2x16', 'stage2.unit0:reversible:2x2x16', 'stage2.unit1:reversible:2x2x16'],
  );
});

test('squeeze puts input pixel (2h+dy, 2w+dx, c) at channel (dy*2+dx)*C + c, and unsqueeze undoes it exactly', () => {
  const [n, h, w, c] = [2, 4, 6, 3];
  const data = Float32Array.from({ length: n * h * w * c }, (_, i) => i);
  const x = tf.tensor4d(data, [n, h, w, c]);
  const y = squeeze(x);
  assert.deepEqual(y.shape, [n, h / 2, w / 2, 4 * c]);
  const out = y.dataSync();
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let k = 0; k < c; k++) {
          const channel = ((i % 2) * 2 + (j % 2)) * c + k;
          const at = ((b * (h / 2) + Math.floor(i / 2)) * (w / 2) + Math.floor(j / 2)) * 4 * c + channel;
          assert.equal(out[at], data[((b * h + i) * w + j) * c + k]);
        }
  const back = unsqueeze(y);
  assert.deepEqual(Array.from(back.dataSync()), Array.from(data));
  tf.dispose([x, y, back]);
});

test('the pixel-unshuffle order puts input pixel (2h+dy, 2w+dx, c) at channel c*4 + dy*2 + dx (PyTorch), and unsqueeze undoes it exactly', () => {
  const [n, h, w, c] = [2, 4, 6, 3];
  const data = Float32Array.from({ length: n * h * w * c }, (_, i) => i);
  const x = tf.tensor4d(data, [n, h, w, c]);
  const y = squeeze(x, 'pixel-unshuffle');
  assert.deepEqual(y.shape, [n, h / 2, w / 2, 4 * c]);
  const out = y.dataSync();
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let k = 0; k < c; k++) {
          const channel = k * 4 + (i % 2) * 2 + (j % 2);
          const at = ((b * (h / 2) + Math.floor(i / 2)) * (w / 2) + Math.floor(j / 2)) * 4 * c + channel;
          assert.equal(out[at], data[((b * h + i) * w + j) * c + k]);
        }
  const back = unsqueeze(y, 'pixel-unshuffle');
  assert.deepEqual(Array.from(back.dataSync()), Array.from(data));
  tf.dispose([x, y, back]);
});

test('conventions.firstUnitBatchNorm gives the first F a bn1; without it the tensors are as before', () => {
  const plain = describeArchitecture(squeezeOnlyConfig);
  const memcnn = describeArchitecture({ ...squeezeOnlyConfig, conventions: { firstUnitBatchNorm: true } });
  assert.equal(plain.params.has('stage1.unit0.f.bn1.gamma'), false);
  const added = [...memcnn.params.keys(), ...memcnn.buffers.keys()].filter((name) => !plain.params.has(name) && !plain.buffers.has(name));
  assert.deepEqual(added.sort(), ['stage1.unit0.f.bn1.beta', 'stage1.unit0.f.bn1.gamma', 'stage1.unit0.f.bn1.mean', 'stage1.unit0.f.bn1.variance']);
});

test('buildNetwork: the same seed gives the same weights, He-normal kernels, BatchNorm at identity', () => {
  const a = buildNetwork(stridedConfig, 7);
  const b = buildNetwork(stridedConfig, 7);
  const c = buildNetwork(stridedConfig, 8);
  const ta = networkToTensors(a);
  const tb = networkToTensors(b);
  const tc = networkToTensors(c);
  for (const [name, t] of ta) assert.deepEqual(t.data, (tb.get(name) as { data: Float32Array }).data, name);
  assert.notDeepEqual(ta.get('stem.conv.weight')?.data, tc.get('stem.conv.weight')?.data);
  const kernel = ta.get('stage2.unit0.f.conv2.weight') as { data: Float32Array };
  const std = Math.sqrt(kernel.data.reduce((s, v) => s + v * v, 0) / kernel.data.length);
  const heStd = Math.sqrt(2 / (3 * 3 * 8));
  assert.ok(Math.abs(std - heStd) < 0.15 * heStd, `std ${std} vs He ${heStd}`);
  assert.ok(ta.get('stage1.unit1.f.bn1.gamma')?.data.every((v) => v === 1));
  assert.ok(ta.get('stage1.unit1.f.bn1.beta')?.data.every((v) => v === 0));
  assert.ok(ta.get('stage1.unit1.f.bn1.mean')?.data.every((v) => v === 0));
  assert.ok(ta.get('stage1.unit1.f.bn1.variance')?.data.every((v) => v === 1));
  assert.ok(ta.get('head.fc.bias')?.data.every((v) => v === 0));
  for (const net of [a, b, c]) net.dispose();
});

test('networkFromTensors reproduces a network and lists every mismatch in one error', () => {
  const original = buildNetwork(squeezeOnlyConfig, 3);
  const tensors = networkToTensors(original);
  const copy = networkFromTensors(squeezeOnlyConfig, tensors);
  const images = randomImages(squeezeOnlyConfig, 4, 1);
  const [p, q] = [predict(original, images), predict(copy, images)];
  assert.equal(maxAbsDiff(p, q), 0);
  tf.dispose([p, q, images]);
  copy.dispose();
  original.dispose();

  const broken = new Map(tensors);
  broken.delete('stage1.unit1.g.conv2.weight');
  broken.set('stage2.unit0.f.conv1.weight', { shape: [3, 3, 8, 5], data: new Float32Array(3 * 3 * 8 * 5) });
  broken.set('stage9.unit0.f.conv1.weight', { shape: [1], data: new Float32Array(1) });
  assert.throws(
    () => networkFromTensors(squeezeOnlyConfig, broken, 'model.safetensors'),
    (error: Error) => {
      assert.match(error.message, /^model\.safetensors do not match model "test-squeeze" \(3 problems\)/);
      assert.match(error.message, /missing tensor "stage1\.unit1\.g\.conv2\.weight" \(expected shape \[3,3,2,2\]\)/);
      assert.match(error.message, /tensor "stage2\.unit0\.f\.conv1\.weight" has shape \[3,3,8,5\], expected \[3,3,8,4\]/);
      assert.match(error.message, /unexpected tensor "stage9\.unit0\.f\.conv1\.weight"/);
      return true;
    },
  );
});

test('running statistics move by momentum 0.9 towards the recorded batch statistics, and only when applied', () => {
  const net = buildNetwork(squeezeOnlyConfig, 4);
  const images = randomImages(squeezeOnlyConfig, 6, 2);
  const stats = new BatchStatsRecorder();
  const run = forwardTrunk(net, images, { training: true, stats });
  const meanBefore = net.weights.buffers.get('stage1.unit1.f.bn1.mean')?.dataSync().slice() as Float32Array;
  assert.ok(meanBefore.every((v) => v === 0), 'a forward pass alone must not move the running statistics');
  // stage1.unit1.f.bn1 normalises x2 of stage1.unit1's input, i.e. the upper half of stage1.unit0's output
  const unit0 = forwardTrunk(net, images, { keepBlockOutputs: true, training: true });
  const x2 = tf.split(unit0.blockOutputs?.get('stage1.unit0') as tf.Tensor4D, 2, 3)[1] as tf.Tensor4D;
  const x = x2.dataSync();
  const channels = x2.shape[3];
  const batchMean = new Float64Array(channels);
  const batchVar = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) batchMean[i % channels] += x[i] / (x.length / channels);
  for (let i = 0; i < x.length; i++) batchVar[i % channels] += (x[i] - batchMean[i % channels]) ** 2 / (x.length / channels);
  stats.applyTo(net.weights, 0.9);
  const mean = net.weights.buffers.get('stage1.unit1.f.bn1.mean')?.dataSync() as Float32Array;
  const variance = net.weights.buffers.get('stage1.unit1.f.bn1.variance')?.dataSync() as Float32Array;
  for (let k = 0; k < channels; k++) {
    assert.ok(Math.abs(mean[k] - 0.1 * batchMean[k]) < 1e-6, `mean[${k}]`);
    assert.ok(Math.abs(variance[k] - (0.9 + 0.1 * batchVar[k])) < 1e-5, `variance[${k}]`);
  }
  tf.dispose([images, run.features, x2, unit0.features, ...(unit0.blockOutputs?.values() ?? [])]);
  net.dispose();
});

test('training-mode BatchNorm: value and closed-form gradient equal autodiff through plain ops', () => {
  const random = new SeededRandom(9);
  const x = tf.tensor4d(random.normalArray(3 * 4 * 5 * 6), [3, 4, 5, 6]);
  const gamma = tf.tensor1d(Array.from({ length: 6 }, () => 0.5 + random.next()));
  const beta = tf.tensor1d(random.normalArray(6));
  const dy = tf.tensor4d(random.normalArray(3 * 4 * 5 * 6), [3, 4, 5, 6]);
  const plain = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const mean = tf.mean(input, [0, 1, 2]);
    const centered = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]);
    return tf.add(tf.mul(tf.div(centered, tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const recorded: number[][] = [];
  const fused = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    batchNormTraining(input as tf.Tensor4D, g, b, 1e-5, (mean, variance) => recorded.push([...mean.dataSync(), ...variance.dataSync()]));
  const expected = tf.valueAndGrads(plain)([x, gamma, beta], dy);
  const actual = tf.valueAndGrads(fused)([x, gamma, beta], dy);
  assert.ok(maxAbsDiff(actual.value, expected.value) < 1e-5);
  ['x', 'gamma', 'beta'].forEach((name, i) => {
    const { relErr } = compareVectors(actual.grads[i], expected.grads[i]);
    assert.ok(relErr < 1e-5, `d${name}: relative error ${relErr}`);
  });
  assert.equal(recorded.length, 1, 'the statistics are handed over once per call');
  tf.dispose([x, gamma, beta, dy, expected.value, actual.value, ...expected.grads, ...actual.grads]);
});
