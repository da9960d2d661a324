// While a long training step runs (revnet-38 on the plain-JS backend: seconds per step), the engine still
// answers status requests: the reversible pass yields to the event loop between the trunk's steps. The test
// keeps one status request in flight at a time, from the first step's progress event to the second's, and
// counts the answers that arrive in between, i.e. inside step 2. Ordering only, no timing: progress events
// and answers come through the same channel in the order the engine sent them. On main a step was one
// synchronous call, so at most the answer to a request that reached the step boundary came in between.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Requests, type EngineStatus, type ProgressEvent } from '../../protocol/engineApi';
import { EngineClient } from '../../extension/engine/engineClient';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');

test('status is answered several times inside one revnet-38 training step, before that step ends', async () => {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run node esbuild.mjs first`);
  const dir = mkdtempSync(join(tmpdir(), 'revnet-status-'));
  const steps: ProgressEvent[] = [];
  let onStep: () => void = () => undefined;
  const client = new EngineClient({
    enginePath,
    backend: () => 'cpu',
    onLog: () => undefined,
    onProgress: (event) => {
      if (event.kind !== 'step') return;
      steps.push(event);
      onStep();
    },
  });
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const stepsSeen = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (steps.length >= count) resolve();
      };
      onStep = check;
      check();
    });

  const running = client.request(Requests.train, {
    model: { preset: 'revnet-38', seed: 1 },
    data: { kind: 'random', count: 32, seed: 2 },
    epochs: 1,
    batchSize: 4,
    outDir: join(dir, 'run'),
    stabilityEvery: 0,
  });
  await stepsSeen(1);
  /** answers received while exactly one step event had arrived: answered during step 2 */
  const duringStep2: EngineStatus[] = [];
  const secondStep = stepsSeen(2);
  const stepTwo = { done: false };
  void secondStep.then(() => (stepTwo.done = true));
  while (!stepTwo.done) {
    const status = await client.request(Requests.status);
    if (steps.length === 1) duringStep2.push(status);
  }
  assert.equal(await client.request(Requests.cancelTraining), true);
  const result = await running;
  assert.equal(result.status, 'cancelled');
  assert.ok(
    duringStep2.length >= 3,
    `only ${duringStep2.length} status answer(s) came between the progress events of steps 1 and 2: the step did not yield to the event loop`,
  );
  for (const status of duringStep2) {
    assert.equal(status.training?.step, 1, `an answer during step 2 reports the last finished step: ${JSON.stringify(status)}`);
  }
});
