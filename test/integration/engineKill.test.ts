// SIGKILL of the engine process in the middle of an inspect and of an invert request (the training case is in
// engineClient.test.ts): the request fails with a message that names it, no partial output is left where the
// caller asked for one, and the next request starts a new process that answers, the same request included.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Requests } from '../../protocol/engineApi';
import { EngineClient, EngineCrashedError, type EngineExit } from '../../extension/engine/engineClient';
import { writeNpySync } from '../../engine/io/npy';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');

/** kills the engine once `running` has been in flight for `afterMs`, and checks it was still in flight */
async function killDuring<T>(client: EngineClient, running: Promise<T>, afterMs: number): Promise<number> {
  let settled = false;
  running.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, afterMs));
  assert.equal(settled, false, `the request ended within ${afterMs} ms, before the kill: make it heavier`);
  const pid = client.pid;
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGKILL');
  return pid;
}

describe('the engine killed during inspect and invert', () => {
  const crashes: EngineExit[] = [];
  const client = new EngineClient({ enginePath, backend: () => 'cpu', onLog: () => undefined, onCrash: (exit) => crashes.push(exit) });
  const dir = mkdtempSync(join(tmpdir(), 'revnet-kill-ops-'));
  before(() => assert.ok(existsSync(enginePath), `${enginePath} is missing: run node esbuild.mjs first`));
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGKILL mid-inspect: the request fails naming it; the next inspect runs in a new engine', async () => {
    await client.request(Requests.info); // the engine is up before the clock starts
    const params = { model: { preset: 'mnist-small', seed: 1 }, data: { kind: 'random' as const, count: 64, seed: 2 }, batchSize: 64 };
    const running = client.request(Requests.inspect, params);
    const pid = await killDuring(client, running, 700);
    await assert.rejects(running, (error: unknown) => {
      assert.ok(error instanceof EngineCrashedError, String(error));
      assert.match(error.message, /killed \(SIGKILL\) while running revnet\/inspect/);
      return true;
    });
    assert.deepEqual(crashes.at(-1)?.during, ['revnet/inspect']);
    const report = await client.request(Requests.inspect, { model: { preset: 'mnist-tiny', seed: 1 }, data: { kind: 'random', count: 8, seed: 2 }, batchSize: 8 });
    assert.equal(report.model.name, 'mnist-tiny');
    assert.ok(report.blocks.length > 0);
    assert.notEqual(client.pid, pid);
  });

  test('SIGKILL mid-invert: the request fails naming it, no output file is left; the same invert then succeeds', async () => {
    const count = 400;
    const images = join(dir, 'images.npy');
    writeNpySync(images, { shape: [count, 28, 28, 1], data: Float32Array.from({ length: count * 784 }, (_, i) => ((i * 7919) % 255) / 255) });
    const features = join(dir, 'features.npy');
    const model = { preset: 'mnist-tiny', seed: 1 };
    await client.request(Requests.forward, { model, inputPath: images, outputPath: features });
    const output = join(dir, 'inverted.npy');
    const running = client.request(Requests.invert, { model, inputPath: features, outputPath: output });
    const pid = await killDuring(client, running, 300);
    await assert.rejects(running, (error: unknown) => {
      assert.ok(error instanceof EngineCrashedError, String(error));
      assert.match(error.message, /killed \(SIGKILL\) while running revnet\/invert/);
      return true;
    });
    assert.deepEqual(crashes.at(-1)?.during, ['revnet/invert']);
    assert.equal(existsSync(output), false, 'a killed invert left an output file');
    const result = await client.request(Requests.invert, { model, inputPath: features, outputPath: output });
    assert.deepEqual(result.shape, [count, 28, 28, 1]);
    assert.ok(result.roundTrip.relL2 < 1e-4, `round trip ${result.roundTrip.relL2}`);
    assert.ok(existsSync(output));
    assert.notEqual(client.pid, pid);
  });
});
