// A short run of test/kill/killDuringTraining.ts (the full one: `npm run kill-test`): `revnet train`
// killed with SIGKILL three times (once a random time after the child's first checkpoint); after each kill the checkpoint loads and --resume continues;
// the finished run's weights equal an uninterrupted run's, bit for bit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKillTest } from '../../../kill/killDuringTraining';

test('revnet train survives SIGKILL at random moments (3 kills)', { timeout: 240_000 }, async (t) => {
  const report = await runKillTest({ kills: 3, seed: 2, minDelayMs: 1000, maxDelayMs: 8000, afterCheckpointMaxMs: 1500, log: (line) => t.diagnostic(line) });
  t.diagnostic(JSON.stringify(report));
  assert.deepEqual(report.failures, []);
  assert.equal(report.kills, 3);
  assert.equal(report.checkpointsLoaded + report.beforeFirstCheckpoint, 3);
  assert.ok(report.checkpointsLoaded >= 1, 'no kill landed after a checkpoint');
  assert.ok(report.bitExact);
});
