// Cancelling forward, invert and explore stops them within one block: each checks its cancel signal after every
// step of the trunk (forwards and backwards). A signal that turns cancelled at its k-th check, for every k, ends
// the operation at that very check, as cancelled, with no output file and no tensor left. On main these
// operations checked only between their phases (read, compute, write), never inside the trunk.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { writeNpySync } from '../../../../engine/io/npy';
import { SeededRandom } from '../../../../engine/util/random';
import { explore } from '../../../../engine/operations/explore';
import { forward } from '../../../../engine/operations/forward';
import { invert } from '../../../../engine/operations/invert';
import { OperationCancelled } from '../../../../engine/operations/stopPoint';
import { resolveModel } from '../../../../engine/model/resolveModel';
import { architectureOf } from '../../../../engine/model/network';
import type { CancelSignal } from '../../../../engine/util/cancelSignal';
import { useTestBackend } from '../networkFixtures';

const model = { preset: 'mnist-tiny', seed: 3 };
let dir: string;
let trunkSteps: number;
before(async () => {
  await useTestBackend();
  dir = mkdtempSync(join(tmpdir(), 'revnet-cancel-'));
  const random = new SeededRandom(4);
  writeNpySync(join(dir, 'images.npy'), { shape: [2, 28, 28, 1], data: Float32Array.from({ length: 2 * 28 * 28 }, () => random.next()) });
  writeNpySync(join(dir, 'features.npy'), { shape: [2, 14, 14, 4], data: random.normalArray(2 * 14 * 14 * 4) });
  const resolved = await resolveModel(model);
  trunkSteps = architectureOf(resolved.network).steps.length;
  resolved.network.dispose();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** a cancel signal that turns cancelled when it is read for the `at`-th time (never, when at is Infinity) */
function cancelAtCheck(at: number): CancelSignal & { checks: number } {
  return {
    checks: 0,
    get cancelled() {
      this.checks += 1;
      return this.checks >= at;
    },
  };
}

type Operation = (cancel: CancelSignal, output: string) => Promise<unknown>;

const operations: Record<string, { run: Operation; blocksWalked: () => number }> = {
  forward: {
    run: (cancel, output) => forward({ model, inputPath: join(dir, 'images.npy'), outputPath: output }, cancel),
    blocksWalked: () => trunkSteps,
  },
  invert: {
    // backwards through the trunk, then forwards again for the round-trip check
    run: (cancel, output) => invert({ model, inputPath: join(dir, 'features.npy'), outputPath: output }, cancel),
    blocksWalked: () => 2 * trunkSteps,
  },
  explore: {
    run: (cancel) => explore({ model, source: { npyPath: join(dir, 'one.npy') }, edits: [] }, cancel),
    blocksWalked: () => 2 * trunkSteps,
  },
};

for (const [name, { run, blocksWalked }] of Object.entries(operations)) {
  test(`cancelling ${name} at any block stops it there: cancelled, no file written, no tensor left`, async () => {
    writeNpySync(join(dir, 'one.npy'), { shape: [28, 28, 1], data: new Float32Array(28 * 28).fill(0.5) });
    const whole = cancelAtCheck(Number.POSITIVE_INFINITY);
    const completed = join(dir, `${name}-whole.npy`);
    await run(whole, completed);
    assert.ok(
      whole.checks >= blocksWalked(),
      `${name} checked its cancel signal ${whole.checks} times while walking ${blocksWalked()} blocks: it must check after every block`,
    );
    for (let at = 1; at <= whole.checks; at++) {
      const tensors = tf.memory().numTensors;
      const output = join(dir, `${name}-${at}.npy`);
      const signal = cancelAtCheck(at);
      await assert.rejects(run(signal, output), (error: unknown) => error instanceof OperationCancelled && error.message === `${name} cancelled`);
      assert.equal(signal.checks, at, `cancelled at check ${at}, ${name} went on to check ${signal.checks} times`);
      assert.equal(existsSync(output), false, `${name} cancelled at check ${at} wrote ${output}`);
      assert.equal(tf.memory().numTensors, tensors, `${name} cancelled at check ${at} leaked ${tf.memory().numTensors - tensors} tensors`);
    }
  });
}
