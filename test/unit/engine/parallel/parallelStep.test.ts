// Data-parallel steps over worker_threads against today's single-process step: the loss, the logits, every
// parameter gradient and the running statistics after the step, for even and odd splits of the batch, over
// two steps (so that the weights broadcast after an update are the ones used). And the pool's lifecycle:
// no tensor left in this thread, workers gone after dispose, a dead worker an error rather than a hang.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients, disposeStep } from '../../../../engine/backprop';
import type { RevNetConfig } from '../../../../engine/model/config';
import { buildNetwork, type RevNet } from '../../../../engine/model/network';
import type { StepGradients, TrainMode } from '../../../../engine/model/network.types';
import { ParallelStep, sliceSizes } from '../../../../engine/parallel/parallelStep';
import { addStabilityRegularizer, withStabilityRegularizer } from '../../../../engine/stability/regularizer';
import { MAX_LOSS_ERR, MAX_REL_ERR, MAX_VALUE_ERR, MIN_COSINE } from '../gradientTolerance';
import { compareVectors, maxAbs, maxAbsDiff, mnistLikeConfig, pytorchConventionsConfig, randomImages, randomLabels, sgd, stridedConfig, useTestBackend } from '../networkFixtures';

before(useTestBackend);


function assertSameStep(single: StepGradients, parallel: StepGradients, singleNet: RevNet, parallelNet: RevNet, what: string): void {
  const loss = single.loss.dataSync()[0];
  assert.ok(Math.abs(loss - parallel.loss.dataSync()[0]) <= MAX_LOSS_ERR * Math.max(1, Math.abs(loss)), `${what}: loss ${loss} vs ${parallel.loss.dataSync()[0]}`);
  assert.deepEqual(parallel.logits.shape, single.logits.shape);
  assert.ok(maxAbsDiff(single.logits, parallel.logits) <= MAX_VALUE_ERR * Math.max(1, maxAbs(single.logits)), `${what}: logits differ`);
  assert.deepEqual([...parallel.grads.keys()], [...single.grads.keys()]);
  for (const [name, expected] of single.grads) {
    const actual = parallel.grads.get(name) as tf.Tensor;
    assert.deepEqual(actual.shape, expected.shape, name);
    assert.ok(maxAbs(expected) > 0, `${name}: the single-process gradient is zero, the comparison would be empty`);
    const { relErr, cosine } = compareVectors(actual, expected);
    assert.ok(cosine >= MIN_COSINE, `${what}: ${name}: cosine ${cosine}`);
    assert.ok(relErr <= MAX_REL_ERR, `${what}: ${name}: relative error ${relErr}`);
  }
  for (const [name, expected] of singleNet.weights.buffers) {
    const actual = parallelNet.weights.buffers.get(name) as tf.Variable;
    const err = maxAbsDiff(expected, actual) / Math.max(1, maxAbs(expected));
    assert.ok(err <= MAX_VALUE_ERR, `${what}: running statistic ${name} off by ${err}`);
  }
}

const cases: { config: RevNetConfig; threads: number; batch: number; mode: TrainMode }[] = [
  { config: stridedConfig, threads: 2, batch: 8, mode: 'reversible' },
  { config: stridedConfig, threads: 3, batch: 8, mode: 'reversible' },
  { config: mnistLikeConfig, threads: 3, batch: 8, mode: 'reversible' },
  { config: mnistLikeConfig, threads: 2, batch: 6, mode: 'standard' },
  // running variance "unbiased" (count/(count-1) of the whole batch) and momentum 0.8
  { config: pytorchConventionsConfig, threads: 2, batch: 8, mode: 'reversible' },
];

for (const { config, threads, batch, mode } of cases) {
  test(`${config.name}, ${mode}, batch ${batch} over ${threads} workers (${sliceSizes(batch, threads).join('+')}): two steps equal the single-process steps`, async () => {
    const singleNet = buildNetwork(config, 31);
    const parallelNet = buildNetwork(config, 31);
    const pool = await ParallelStep.start(parallelNet, threads, tf.getBackend());
    const exited = pool.workers.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => { resolve(); })));
    try {
      const tensorsBefore = tf.memory().numTensors;
      for (let s = 0; s < 2; s++) {
        const images = randomImages(config, batch, 10 + s);
        const labels = randomLabels(config, batch, 20 + s);
        const single = computeGradients(singleNet, images, labels, mode);
        const parallel = await pool.step(parallelNet, images, labels, mode);
        assertSameStep(single, parallel, singleNet, parallelNet, `step ${s + 1}`);
        sgd(singleNet, single.grads, 0.1);
        sgd(parallelNet, parallel.grads, 0.1);
        disposeStep(single);
        disposeStep(parallel);
        tf.dispose([images, labels]);
      }
      assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors left behind in the main thread');
    } finally {
      await pool.dispose();
      singleNet.dispose();
      parallelNet.dispose();
    }
    await Promise.all(exited);
  });
}

test('with --stability-reg: a step on training threads plus λ·∇R equals the single-process regularized step', async () => {
  const config = mnistLikeConfig;
  const [lambda, seed, batch] = [0.5, 5, 8];
  const singleNet = buildNetwork(config, 31);
  const parallelNet = buildNetwork(config, 31);
  const pool = await ParallelStep.start(parallelNet, 2, tf.getBackend());
  try {
    const images = randomImages(config, batch, 10);
    const labels = randomLabels(config, batch, 20);
    const single = withStabilityRegularizer(computeGradients, lambda, () => seed)(singleNet, images, labels, 'reversible');
    const plain = await pool.step(parallelNet, images, labels, 'reversible');
    // the regularizer must move some gradient beyond the tolerance, or the comparison below would not see it missing
    const moved = [...plain.grads].some(([name, g]) => compareVectors(g, single.grads.get(name) as tf.Tensor).relErr > MAX_REL_ERR);
    assert.ok(moved, 'λ·∇R changes no gradient measurably: raise λ');
    const parallel = addStabilityRegularizer(plain, parallelNet, images, lambda, seed);
    assertSameStep(single, parallel, singleNet, parallelNet, 'regularized step');
    disposeStep(single);
    disposeStep(parallel);
    tf.dispose([images, labels]);
  } finally {
    await pool.dispose();
    singleNet.dispose();
    parallelNet.dispose();
  }
});

test('predict over the workers equals net.predict with weights and running statistics changed in this thread (3 workers: 8 = 3+3+2, and 2 images on 3)', async () => {
  const net = buildNetwork(stridedConfig, 41);
  const pool = await ParallelStep.start(net, 3, tf.getBackend());
  try {
    // one training step first, so that the running statistics the workers must use differ from their initial ones
    const trainImages = randomImages(stridedConfig, 6, 1);
    const trainLabels = randomLabels(stridedConfig, 6, 2);
    const step = await pool.step(net, trainImages, trainLabels, 'reversible');
    // weights and running statistics the workers have never seen: each prediction must carry them
    sgd(net, step.grads, 0.1);
    for (const v of net.weights.buffers.values()) v.assign(tf.tidy(() => tf.add(tf.mul(v, 1.5), 0.1)));
    disposeStep(step);
    tf.dispose([trainImages, trainLabels]);
    for (const batch of [8, 2]) {
      const images = randomImages(stridedConfig, batch, 3 + batch);
      const tensorsBefore = tf.memory().numTensors;
      const expected = net.predict(images);
      const actual = await pool.predict(net, images);
      assert.deepEqual(actual.shape, expected.shape);
      assert.ok(maxAbs(expected) > 0);
      const err = maxAbsDiff(expected, actual) / Math.max(1, maxAbs(expected));
      assert.ok(err <= MAX_VALUE_ERR, `batch ${batch}: logits off by ${err}`);
      tf.dispose([expected, actual]);
      assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors left behind in the main thread');
      images.dispose();
    }
  } finally {
    await pool.dispose();
    net.dispose();
  }
});

test('warmUp runs steps on the workers and leaves the network as it was: running statistics bit-equal, no tensors left', async () => {
  const net = buildNetwork(stridedConfig, 43);
  const pool = await ParallelStep.start(net, 2, tf.getBackend());
  try {
    const images = randomImages(stridedConfig, 6, 7);
    const labels = randomLabels(stridedConfig, 6, 8);
    const before = [...net.weights.buffers.values()].map((v) => Float32Array.from(v.dataSync() as Float32Array));
    const tensorsBefore = tf.memory().numTensors;
    await pool.warmUp(net, images, labels, ['standard', 'reversible']);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors left behind in the main thread');
    [...net.weights.buffers.values()].forEach((v, i) => {
      assert.deepEqual(v.dataSync(), before[i], 'a running statistic moved');
    });
    // a real step does move them: the comparison above can fail
    disposeStep(await pool.step(net, images, labels, 'reversible'));
    assert.ok([...net.weights.buffers.values()].some((v, i) => (v.dataSync() as Float32Array).some((x, k) => x !== before[i]?.[k])), 'a step should move the running statistics');
    tf.dispose([images, labels]);
  } finally {
    await pool.dispose();
    net.dispose();
  }
});

test('a worker that dies during a step fails the step with an error naming it, instead of hanging', { timeout: 120_000 }, async () => {
  const net = buildNetwork(stridedConfig, 5);
  const pool = await ParallelStep.start(net, 2, tf.getBackend());
  const images = randomImages(stridedConfig, 4, 1);
  const labels = randomLabels(stridedConfig, 4, 2);
  try {
    const step = pool.step(net, images, labels, 'reversible');
    await (pool.workers[1] ?? assert.fail('no second worker')).terminate();
    await assert.rejects(step, /training worker 2 of 2 exited unexpectedly/);
    // the pool stays failed: the next step says so at once
    await assert.rejects(pool.step(net, images, labels, 'reversible'), /training worker 2 of 2/);
  } finally {
    await pool.dispose();
    tf.dispose([images, labels]);
    net.dispose();
  }
});

test('a batch smaller than the number of workers is refused with a clear error', async () => {
  const net = buildNetwork(stridedConfig, 5);
  const pool = await ParallelStep.start(net, 3, tf.getBackend());
  const images = randomImages(stridedConfig, 2, 1);
  const labels = randomLabels(stridedConfig, 2, 2);
  try {
    await assert.rejects(pool.step(net, images, labels, 'reversible'), /a batch of 2 cannot be split over 3 training threads/);
  } finally {
    await pool.dispose();
    tf.dispose([images, labels]);
    net.dispose();
  }
});

test('sliceSizes cuts a batch as evenly as possible', () => {
  assert.deepEqual(sliceSizes(8, 3), [3, 3, 2]);
  assert.deepEqual(sliceSizes(8, 2), [4, 4]);
  assert.deepEqual(sliceSizes(5, 5), [1, 1, 1, 1, 1]);
});
