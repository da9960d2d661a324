// A stop while training still loads its data (random images large enough that the load takes a second or more,
// made chunk by chunk with the event loop running in between) ends the run as stopped, like a stop during a
// step: the built CLI exits 130 on Ctrl-C and 143 on SIGTERM, with status "cancelled", no step trained, no
// checkpoint claimed and no folder left behind; through the engine's JSON-RPC, Stop Training answers the train
// request with a stopped result, not an error. On main the load's cancel surfaced as an error (exit 1, a failed run).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Requests, type ProgressEvent } from '../../protocol/engineApi';
import { EngineClient } from '../../extension/engine/engineClient';
import { runCli, type CliRun } from './cliRun';

const root = join(__dirname, '..', '..', 'dist');
const enginePath = join(root, 'engine.js');
const dir = mkdtempSync(join(tmpdir(), 'revnet-stop-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 28x28 random images: 150000 training + 37500 test images are ~590 MB of float32, made in over a second */
const LARGE_RANDOM = { kind: 'random', count: 150_000, seed: 2 } as const;
const STOPPED_MESSAGE = 'stopped while loading the training data; nothing was trained and no checkpoint was written';

/** `revnet train` on the large random data; `signal` is sent when the CLI says it loads the data */
function trainAndSignal(outDir: string, signal: NodeJS.Signals): Promise<CliRun> {
  return runCli(
    ['train', '--preset', 'mnist-tiny', '--data', `random:count=${LARGE_RANDOM.count}`, '--epochs', '1', '--batch', '8', '--backend', 'cpu', '--out', outDir, '--json', '--no-inspect'],
    (line, send) => {
      if (line.startsWith('loading the training data')) send(signal);
    },
  );
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while the training data loads: the run ends stopped, exit ${code}, nothing trained or left behind`, async () => {
    const outDir = join(dir, signal);
    const run = await trainAndSignal(outDir, signal);
    const output = run.lines.join('\n');
    assert.ok(run.lines.some((line) => line.startsWith('loading the training data: random(count=150000')), output);
    assert.equal(run.code, code, `${output}\n${run.stdout}`);
    const result = JSON.parse(run.stdout) as { status: string; steps: number; message?: string; configPath: string; weightsPath: string };
    assert.equal(result.status, 'cancelled');
    assert.equal(result.steps, 0);
    assert.equal(result.message, STOPPED_MESSAGE);
    assert.equal(result.configPath, '');
    assert.equal(result.weightsPath, '');
    assert.ok(!run.lines.some((line) => line.includes('(total ')), `no step may run after the stop:\n${output}`);
    assert.ok(run.lines.includes(`${signal}: stopping the data load; nothing was trained yet (Ctrl-C again to quit at once)`), output);
    assert.ok(!existsSync(outDir), 'the output folder the run created holds nothing and is removed');
  });
}

test('Stop Training through the engine while the data loads answers the run as stopped, not failed', async () => {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run node esbuild.mjs first`);
  const progress: ProgressEvent[] = [];
  const client = new EngineClient({ enginePath, backend: () => 'cpu', onLog: () => undefined, onProgress: (event) => progress.push(event) });
  try {
    const outDir = join(dir, 'rpc');
    const running = client.request(Requests.train, { model: { preset: 'mnist-tiny', seed: 1 }, data: LARGE_RANDOM, epochs: 1, batchSize: 8, outDir });
    // the status names the run from the request's start; the load yields, so it is answered during the load
    while ((await client.request(Requests.status)).training === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await client.request(Requests.cancelTraining), true);
    const result = await running;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.steps, 0);
    assert.equal(result.message, STOPPED_MESSAGE);
    assert.equal(result.weightsPath, '');
    assert.equal(progress.length, 0, 'no step ran');
    assert.ok(!existsSync(outDir));
    assert.deepEqual(await client.request(Requests.status), {}, 'no training left after the stop');
  } finally {
    await client.stop();
  }
});
