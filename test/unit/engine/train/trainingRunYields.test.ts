// Inside a training step, the event loop also runs between the step's main-thread pieces: after the gradients
// arrive (on training threads they are summed here) and after the optimiser's update, not only before the next
// step. Each of these pieces is tens of milliseconds on revnet-38 (more on a loaded machine); run back to back
// without a yield, they held a status request for their sum. On main only a microtask separated them.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { computeGradients } from '../../../../engine/backprop';
import { computeNormalization } from '../../../../engine/data/normalization';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { createOptimizer } from '../../../../engine/train/optimizers';
import { resolveOptions } from '../../../../engine/train/options';
import { initialState, runTraining } from '../../../../engine/train/trainingRun';
import { TINY_CONFIG, tempFolder, tinyDataset } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

test('the event loop runs between a step\'s gradients, its update and its progress event', async () => {
  const outDir = tempFolder('run-yields');
  const options = resolveOptions({ model: { preset: 'x' }, data: { kind: 'random', count: 16 }, epochs: 1, batchSize: 4, outDir, seed: 5, optimizer: 'sgd', learningRate: 0.05 });
  const tensors = tf.memory().numTensors;
  const network = buildNetwork(withDefaults(TINY_CONFIG), 1);
  const optimizer = createOptimizer(options);
  const dataset = tinyDataset(16, 8);
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns += 1;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: { gradients: number; update: number; progress: number }[] = [];
  const apply = optimizer.apply.bind(optimizer);
  optimizer.apply = (params, grads, lr) => {
    (seen.at(-1) as { update: number }).update = turns;
    apply(params, grads, lr);
  };
  try {
    const outcome = await runTraining({
      network,
      optimizer,
      dataset,
      normalization: computeNormalization(dataset.train, 1),
      options,
      state: initialState(options, { kind: 'random', count: 16 }),
      outDir,
      runId: 'yields',
      backend: 'cpu',
      metadata: () => ({}),
      onProgress: (event) => {
        if (event.kind === 'step') (seen.at(-1) as { progress: number }).progress = turns;
      },
      cancel: { cancelled: false },
      computeGradients: (...args) => {
        const gradients = computeGradients(...args);
        seen.push({ gradients: turns, update: -1, progress: -1 });
        return gradients;
      },
    });
    assert.equal(outcome.status, 'finished');
  } finally {
    ticking = false;
    optimizer.dispose();
    network.dispose();
  }
  assert.equal(tf.memory().numTensors, tensors, 'the run left tensors behind');
  assert.equal(seen.length, 4);
  for (const [i, step] of seen.entries()) {
    assert.ok(step.update > step.gradients, `step ${i + 1}: no turn of the event loop between the gradients and the update (${JSON.stringify(step)})`);
    assert.ok(step.progress > step.update, `step ${i + 1}: no turn of the event loop between the update and the progress event (${JSON.stringify(step)})`);
  }
});
