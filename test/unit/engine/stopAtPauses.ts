// For operations that await a pause between their steps: a pause that throws (a Stop) at any of them must end
// the operation with that error, there, leaving no tensor behind.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

export class Stop extends Error {}

/**
 * runs `operation` once per pause number in `at`, with a pause that throws Stop at that pause; checks that it
 * rejects with Stop after exactly that many pauses and that the tensor count is back to where it was
 * (`afterEach` restores what a stopped run may have moved, such as BatchNorm's running statistics)
 */
export async function assertStopsCleanlyAtEveryPause(
  at: Iterable<number>,
  operation: (pause: () => Promise<void>) => Promise<unknown>,
  afterEach: () => void = () => undefined,
): Promise<void> {
  const tensors = tf.memory().numTensors;
  for (const stopAt of at) {
    let seen = 0;
    await assert.rejects(
      operation(async () => {
        seen += 1;
        await Promise.resolve();
        if (seen === stopAt) throw new Stop();
      }),
      Stop,
    );
    assert.equal(seen, stopAt);
    assert.equal(tf.memory().numTensors, tensors, `stopped at pause ${stopAt}: ${tf.memory().numTensors - tensors} tensors left`);
    afterEach();
  }
}

/** 1, 2, …, n */
export const everyPause = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
