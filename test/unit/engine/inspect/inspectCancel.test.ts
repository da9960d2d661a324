// Cancelling an inspection is seen block by block inside its phases (the reconstruction's forward, one-block
// and chain passes, both gradient passes, the reversible timed steps), not only between phases: a cancel at
// every one of its check points ends it with InspectionCancelled, leaving no tensor behind and the weights
// and running statistics exactly as found. On main the reconstruction and gradient phases were single
// synchronous calls: a whole inspection checked the cancel only a handful of times.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { inspectResolved, InspectionCancelled } from '../../../../engine/inspect/inspectModel';
import { buildNetwork } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { stridedConfig, useTestBackend } from '../networkFixtures';

before(useTestBackend);

test('an inspection checks its cancel per block inside the phases, and a cancel at any check leaks nothing', async () => {
  const config = withDefaults(stridedConfig);
  const network = buildNetwork(config, 2);
  const options = { batchSize: 4, depth: false, data: { kind: 'random', count: 4, seed: 1 }, timing: { maxSteps: 1, warmUp: 0 } } as const;
  const weights = () => [...network.weights.params.values(), ...network.weights.buffers.values()].map((v) => Array.from(v.dataSync()));
  const weightsBefore = weights();
  const tensors = tf.memory().numTensors;
  try {
    // the first inspection in a process loads its data with more checks than the later ones: count the second
    await inspectResolved({ network, config }, options, { cancelled: false });
    let checks = 0;
    const phases: string[] = [];
    const counting = { get cancelled() { checks += 1; return false; } };
    await inspectResolved({ network, config }, { ...options, onPhase: (phase) => phases.push(phase) }, counting);
    assert.equal(tf.memory().numTensors, tensors);
    const trunkSteps = network.architecture.steps.length;
    // per phase: the reconstruction's forward, and both gradient passes forward and backward, at least
    assert.ok(
      checks >= phases.length + 3 * trunkSteps,
      `${checks} cancel checks over ${phases.length} phases (${phases.join(', ')}) of a ${trunkSteps}-step trunk: the phases do not check per block`,
    );
    for (let at = 1; at <= checks; at++) {
      let seen = 0;
      const stopAt = { get cancelled() { seen += 1; return seen >= at; } };
      await assert.rejects(inspectResolved({ network, config }, options, stopAt), InspectionCancelled, `cancel at check ${at}`);
      assert.equal(seen, at, `cancelled at check ${at}, yet checked ${seen} times`);
      assert.equal(tf.memory().numTensors, tensors, `cancel at check ${at} left ${tf.memory().numTensors - tensors} tensors`);
      assert.deepEqual(weights(), weightsBefore, `cancel at check ${at} changed the weights or running statistics`);
    }
  } finally {
    network.dispose();
  }
});
