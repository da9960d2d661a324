// How many training threads a run gets from --threads / revnet.threads.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { checkThreads, resolveThreads } from '../../../../engine/parallel/threadCount';
import { SETTING_DEFAULTS } from '../../../../shared/settingDefaults';

test('0 and the default mean one thread per core, never more than the batch has examples', () => {
  assert.equal(SETTING_DEFAULTS.threads, 0);
  const cores = availableParallelism();
  assert.equal(resolveThreads(0, 'wasm', 1024), cores);
  assert.equal(resolveThreads(undefined, 'cpu', 1024), cores);
  assert.equal(resolveThreads(0, 'wasm', 1), 1);
  assert.equal(resolveThreads(3, 'wasm', 2), 2);
  assert.equal(resolveThreads(1, 'wasm', 64), 1);
  assert.equal(resolveThreads(5, 'wasm', 64), 5);
});

test('the native backend runs in the engine\'s thread (it already uses every core)', () => {
  assert.equal(resolveThreads(4, 'tensorflow', 64), 1);
});

test('a thread count that is not a whole number ≥ 0 is refused, saying what is allowed', () => {
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => checkThreads(bad), /threads must be a whole number ≥ 0 \(0: one per core\)/);
});
