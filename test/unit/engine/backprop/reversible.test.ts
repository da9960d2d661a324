// Reversible backprop (rebuilding activations) against standard autodiff, BatchNorm in training mode:
// every parameter's gradient, the loss, the logits, and the running statistics moving exactly once.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients, computeGradientsWithHooks, disposeStep, ownerOfParam } from '../../../../engine/backprop';
import { BatchStatsRecorder } from '../../../../engine/model/batchStats';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk } from '../../../../engine/model/forward';
import { crossEntropyLoss, head } from '../../../../engine/model/head';
import { buildNetwork, trainingContext, type RevNet } from '../../../../engine/model/network';
import { SeededRandom } from '../../../../engine/util/random';
import {
  compareVectors,
  maxAbs,
  maxAbsDiff,
  mnistLikeConfig,
  pytorchConventionsConfig,
  randomImages,
  randomLabels,
  sgd,
  squeezeOnlyConfig,
  stridedConfig,
  useTestBackend,
} from '../networkFixtures';
import { MAX_REL_ERR, MIN_COSINE } from '../gradientTolerance';

before(useTestBackend);


/** two copies of one network, optionally after a few identical training steps */
function twins(config: RevNetConfig, trainedSteps: number): [RevNet, RevNet] {
  const nets: [RevNet, RevNet] = [buildNetwork(config, 31), buildNetwork(config, 31)];
  for (let s = 0; s < trainedSteps; s++) {
    const images = randomImages(config, 8, 300 + s);
    const labels = randomLabels(config, 8, 400 + s);
    for (const net of nets) {
      const step = computeGradients(net, images, labels, 'standard');
      sgd(net, step.grads, 0.1);
      disposeStep(step);
    }
    tf.dispose([images, labels]);
  }
  return nets;
}

const cases: { config: RevNetConfig; trained: number }[] = [
  { config: stridedConfig, trained: 0 },
  { config: stridedConfig, trained: 3 },
  { config: squeezeOnlyConfig, trained: 0 },
  { config: mnistLikeConfig, trained: 3 },
  { config: pytorchConventionsConfig, trained: 0 },
  { config: pytorchConventionsConfig, trained: 3 },
];

for (const { config, trained } of cases) {
  test(`${config.name}${trained ? ` after ${trained} steps` : ''}: reversible gradients equal standard gradients for every parameter`, (t) => {
    const [standardNet, reversibleNet] = twins(config, trained);
    const images = randomImages(config, 8, 1);
    const labels = randomLabels(config, 8, 2);
    const standard = computeGradients(standardNet, images, labels, 'standard');
    const reversible = computeGradients(reversibleNet, images, labels, 'reversible');
    assert.ok(Math.abs((standard.loss.dataSync()[0]) - (reversible.loss.dataSync()[0])) < 1e-6 * Math.max(1, maxAbs(standard.loss)));
    assert.ok(maxAbsDiff(standard.logits, reversible.logits) < 1e-5 * Math.max(1, maxAbs(standard.logits)));
    assert.deepEqual([...reversible.grads.keys()], [...standardNet.weights.params.keys()]);
    let worstCosine = 1;
    let worstRel = 0;
    let worstName = '';
    for (const [name, expected] of standard.grads) {
      const actual = reversible.grads.get(name) as tf.Tensor;
      assert.deepEqual(actual.shape, expected.shape, name);
      const { relErr, cosine } = compareVectors(actual, expected);
      if (relErr > worstRel) [worstRel, worstName] = [relErr, name];
      worstCosine = Math.min(worstCosine, cosine);
      assert.ok(maxAbs(expected) > 0, `${name}: the standard gradient is zero, the comparison would be empty`);
      assert.ok(cosine >= MIN_COSINE, `${name} (${ownerOfParam(name)}): cosine ${cosine}`);
      assert.ok(relErr <= MAX_REL_ERR, `${name} (${ownerOfParam(name)}): relative error ${relErr}`);
    }
    t.diagnostic(`${standard.grads.size} parameters; worst cosine ${worstCosine}, worst relative error ${worstRel.toExponential(2)} (${worstName})`);

    // running statistics moved once, identically in both modes
    let worstBuffer = 0;
    for (const [name, a] of standardNet.weights.buffers) {
      const b = reversibleNet.weights.buffers.get(name) as tf.Variable;
      worstBuffer = Math.max(worstBuffer, maxAbsDiff(a, b) / Math.max(1, maxAbs(a)));
    }
    assert.ok(worstBuffer < 1e-5, `running statistics differ between the modes by ${worstBuffer}`);
    tf.dispose([images, labels]);
    disposeStep(standard);
    disposeStep(reversible);
    standardNet.dispose();
    reversibleNet.dispose();
  });
}

test('one step in either mode moves every running statistic once: running = 0.9·old + 0.1·batch', () => {
  for (const mode of ['standard', 'reversible'] as const) {
    const net = buildNetwork(stridedConfig, 8);
    const reference = buildNetwork(stridedConfig, 8);
    const images = randomImages(stridedConfig, 8, 3);
    const labels = randomLabels(stridedConfig, 8, 4);
    // the batch statistics of every BatchNorm, from a plain training-mode forward on an identical network
    const stats = new BatchStatsRecorder();
    const run = forwardTrunk(reference, images, { training: true, stats });
    const headInput = run.features;
    const headMean = tf.mean(headInput, [0, 1, 2]);
    const headVariance = tf.mean(tf.square(tf.sub(headInput, headMean)), [0, 1, 2]);
    const step = computeGradients(net, images, labels, mode);
    const names = [...net.architecture.batchNorms.keys()];
    assert.equal(stats.names.length, names.length - 1, 'the trunk forward saw every BatchNorm but the head\'s');
    for (const bn of names) {
      const batch = bn === 'head.bn' ? { mean: headMean, variance: headVariance } : stats.get(bn);
      assert.ok(batch !== undefined, bn);
      for (const [suffix, initial, value] of [['mean', 0, batch.mean], ['variance', 1, batch.variance]] as const) {
        const running = net.weights.buffers.get(`${bn}.${suffix}`) as tf.Variable;
        const expected = tf.tidy(() => tf.add(tf.mul(value, 0.1), 0.9 * initial));
        const err = maxAbsDiff(running, expected);
        assert.ok(err < 1e-5 * Math.max(1, maxAbs(expected)), `${mode}: ${bn}.${suffix} off by ${err}`);
        expected.dispose();
      }
    }
    stats.dispose();
    tf.dispose([images, labels, headInput, headMean, headVariance]);
    disposeStep(step);
    net.dispose();
    reference.dispose();
  }
});

test('runningVariance "unbiased" with momentum 0.8: running variance = 0.8·old + 0.2·biased·n/(n-1), in either mode', () => {
  const config = pytorchConventionsConfig;
  for (const mode of ['standard', 'reversible'] as const) {
    const net = buildNetwork(config, 8);
    const reference = buildNetwork(config, 8);
    const images = randomImages(config, 8, 3);
    const labels = randomLabels(config, 8, 4);
    const stats = new BatchStatsRecorder();
    const run = forwardTrunk(reference, images, { training: true, stats });
    const step = computeGradients(net, images, labels, mode);
    let checked = 0;
    for (const bn of stats.names) {
      const batch = stats.get(bn);
      assert.ok(batch !== undefined, bn);
      const channels = net.architecture.batchNorms.get(bn) as number;
      const spatial = (reference.architecture.steps.find((s) => bn.startsWith(`${s.id}.`))?.inShape ?? [0, 0]) as readonly number[];
      const count = 8 * (spatial[0]) * (spatial[1]);
      assert.ok(count > 1 && channels > 0, bn);
      const running = net.weights.buffers.get(`${bn}.variance`) as tf.Variable;
      const expected = tf.tidy(() => tf.add(tf.mul(batch.variance, 0.2 * count / (count - 1)), 0.8));
      const err = maxAbsDiff(running, expected);
      assert.ok(err < 1e-5 * Math.max(1, maxAbs(expected)), `${mode}: ${bn}.variance off by ${err}`);
      expected.dispose();
      checked++;
    }
    assert.ok(checked > 5);
    stats.dispose();
    tf.dispose([images, labels, run.features]);
    disposeStep(step);
    net.dispose();
    reference.dispose();
  }
});

test('hooks mark every unit in both passes, and the rebuilt inputs are the forward inputs', () => {
  const net = buildNetwork(stridedConfig, 12);
  const images = randomImages(stridedConfig, 4, 5);
  const labels = randomLabels(stridedConfig, 4, 6);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true, training: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const steps = net.architecture.steps;
  const events: string[] = [];
  const rebuiltErrors = new Map<string, number>();
  const step = computeGradientsWithHooks(net, images, labels, 'reversible', {
    onUnit: (id, phase) => events.push(`${phase}:${id}`),
    onRebuilt: (id, x) => {
      const index = steps.findIndex((s) => s.id === id);
      const input = outputs.get((steps[index - 1] as { id: string }).id) as tf.Tensor4D;
      rebuiltErrors.set(id, maxAbsDiff(x, input) / maxAbs(input));
    },
  });
  const ids = steps.map((s) => s.id);
  assert.deepEqual(events, [...ids.map((id) => `forward:${id}`), 'forward:head', ...[...ids].reverse().map((id) => `backward:${id}`)]);
  assert.deepEqual([...rebuiltErrors.keys()], steps.filter((s) => s.kind === 'reversible').map((s) => s.id).reverse());
  for (const [id, err] of rebuiltErrors) assert.ok(err < 1e-5, `${id}: rebuilt input off by ${err} (relative)`);
  disposeStep(step);
  tf.dispose([images, labels, ...outputs.values()]);
  net.dispose();
});

test('both gradients agree with a central finite difference of the training-mode loss along the BatchNorm parameters', (t) => {
  const config = squeezeOnlyConfig;
  const net = buildNetwork(config, 17);
  const images = randomImages(config, 8, 21);
  const labels = randomLabels(config, 8, 22);
  const names = [...net.weights.params.keys()];
  const random = new SeededRandom(5);
  const probed = (name: string) => /bn\d\.(gamma|beta)$/.test(name);
  const direction = new Map(names.map((name) => {
    const v = net.weights.params.get(name) as tf.Variable;
    const data = random.normalArray(v.size);
    if (!probed(name)) data.fill(0);
    return [name, tf.tensor(data, v.shape)];
  }));
  const lossAt = (scale: number): number => {
    const saved = new Map(names.map((name) => [name, tf.clone(net.weights.params.get(name) as tf.Variable)]));
    for (const name of names) {
      const v = net.weights.params.get(name) as tf.Variable;
      tf.tidy(() => v.assign(tf.add(v, tf.mul(direction.get(name) as tf.Tensor, scale))));
    }
    const ctx = trainingContext(net);
    const value = tf.tidy(() => {
      const { features } = forwardTrunk(net, images, { training: true });
      return crossEntropyLoss(head(ctx, net.architecture.head, features), labels).dataSync()[0];
    });
    for (const name of names) (net.weights.params.get(name) as tf.Variable).assign(saved.get(name) as tf.Tensor);
    tf.dispose([...saved.values()]);
    return value;
  };
  // Along every BatchNorm gamma and beta at once (their gradients run through the batch statistics' backward):
  // the loss (~1) rounds at ~1e-7, so with eps 1e-4 the quotient is good to ~1e-3 absolute, ~0.3% of this
  // derivative; larger eps crosses ReLU kinks (the quotient wanders by a few % at eps 3e-4..1e-2), so keep it small.
  const eps = 1e-4;
  const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
  for (const mode of ['standard', 'reversible'] as const) {
    const step = computeGradients(net, images, labels, mode);
    let analytic = 0;
    for (const name of names) analytic += tf.tidy(() => tf.sum(tf.mul(step.grads.get(name) as tf.Tensor, direction.get(name) as tf.Tensor)).dataSync()[0]);
    const relErr = Math.abs(analytic - numeric) / Math.abs(numeric);
    t.diagnostic(`${mode}: directional derivative ${analytic.toFixed(6)}, finite difference ${numeric.toFixed(6)}, relative ${relErr.toExponential(2)}`);
    assert.ok(relErr < 1e-2, `${mode}: directional derivative ${analytic} vs finite difference ${numeric} (relative ${relErr})`);
    disposeStep(step);
  }
  tf.dispose([images, labels, ...direction.values()]);
  net.dispose();
});
