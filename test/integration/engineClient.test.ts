// A real engine process (dist/engine.js, built by the test runner) driven through the extension's
// EngineClient: requests, errors, cancellation, and a SIGKILL mid-request followed by a fresh process.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, RequestType } from 'vscode-jsonrpc/node';
import { Requests, type LogEvent, type ProgressEvent } from '../../protocol/engineApi';
import { EngineErrorCodes } from '../../protocol/engineErrors';
import { EngineClient, EngineCrashedError, EngineRequestError, type EngineExit } from '../../extension/engine/engineClient';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');
// Only answered when the engine runs with REVNET_ENGINE_TEST_HOOKS=1 (engine/server/testHooks.ts).
const sleep = new RequestType<{ ms: number }, 'done' | 'cancelled', void>('revnet/test/sleep');

function makeClient() {
  const logs: { event: LogEvent; source: string }[] = [];
  const crashes: EngineExit[] = [];
  const client = new EngineClient({
    enginePath,
    backend: () => 'cpu',
    env: { REVNET_ENGINE_TEST_HOOKS: '1' },
    onLog: (event, source) => logs.push({ event, source }),
    onCrash: (exit) => crashes.push(exit),
  });
  return { client, logs, crashes };
}

describe('engine client against a real engine process', () => {
  before(() => assert.ok(existsSync(enginePath), `${enginePath} is missing: run node esbuild.mjs first`));

  const { client, logs, crashes } = makeClient();
  after(() => client.stop());

  test('info answers from a forked process on the asked backend', async () => {
    const info = await client.request(Requests.info);
    assert.equal(info.backend, 'cpu');
    assert.equal(info.nodeVersion, process.version);
    assert.notEqual(info.pid, process.pid);
    assert.equal(info.pid, client.pid);
    // the engine's own log lines arrive as notifications, never on stdout
    assert.ok(logs.some((l) => l.source === 'engine' && l.event.message.includes(`engine ${info.pid}`)));
    assert.ok(!logs.some((l) => l.source === 'engine' && l.event.level === 'warn' && l.event.message.includes('stdout')));
  });

  test('a failing operation answers with its message, and the engine keeps serving', async () => {
    await assert.rejects(
      client.request(Requests.load, { model: { configPath: join(__dirname, 'no-such-file.revnet.json') } }),
      (error: unknown) => {
        assert.ok(error instanceof EngineRequestError, String(error));
        assert.equal(error.method, 'revnet/load');
        assert.ok(error.message.length > 0);
        return true;
      },
    );
    const info = await client.request(Requests.info);
    assert.equal(info.pid, client.pid);
    assert.equal(client.startCount, 1);
  });

  test('cancelling a request reaches the engine', async () => {
    const source = new CancellationTokenSource();
    const started = Date.now();
    const answer = client.request(sleep, { ms: 20_000 }, source.token);
    setTimeout(() => source.cancel(), 200);
    assert.equal(await answer, 'cancelled');
    assert.ok(Date.now() - started < 5000, 'cancellation took too long');
  });

  test('the client reads the shared error codes: a data mismatch is "data", a cancelled inspection is "cancelled"', async () => {
    await assert.rejects(
      client.request(Requests.inspect, { model: { preset: 'revnet-38' }, data: { kind: 'mnist' }, batchSize: 2 }),
      (error: unknown) => error instanceof EngineRequestError && error.code === EngineErrorCodes.data && /28x28x1.*32x32x3/.test(error.message),
    );
    const source = new CancellationTokenSource();
    const inspecting = client.request(Requests.inspect, { model: { preset: 'mnist-small' }, data: { kind: 'default' }, batchSize: 4 }, source.token);
    setTimeout(() => source.cancel(), 300);
    await assert.rejects(inspecting, (error: unknown) => error instanceof EngineRequestError && error.code === EngineErrorCodes.cancelled);
    // the editor asks the engine for the training defaults of a model
    const defaults = await client.request(Requests.trainingDefaults, { model: { preset: 'mnist-tiny' } });
    assert.equal(defaults.optimizer, 'adam');
  });

  test('SIGKILL mid-request fails the request clearly, and the next request starts a new process', async () => {
    await client.request(Requests.info);
    const firstPid = client.pid;
    assert.ok(firstPid !== undefined);
    const running = client.request(sleep, { ms: 20_000 });
    setTimeout(() => process.kill(firstPid, 'SIGKILL'), 200);
    await assert.rejects(running, (error: unknown) => {
      assert.ok(error instanceof EngineCrashedError, String(error));
      assert.match(error.message, /killed \(SIGKILL\) while running revnet\/test\/sleep/);
      assert.equal(error.exit.pid, firstPid);
      return true;
    });
    assert.equal(crashes.length, 1);
    assert.deepEqual(crashes[0]?.during, ['revnet/test/sleep']);
    const info = await client.request(Requests.info);
    assert.notEqual(info.pid, firstPid);
    assert.equal(info.pid, client.pid);
    assert.equal(client.startCount, 2);
  });

  test('stop ends the process without reporting a crash', async () => {
    await client.request(Requests.info);
    const pid = client.pid;
    assert.ok(pid !== undefined);
    const before = crashes.length;
    await client.stop();
    assert.equal(client.pid, undefined);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    assert.equal(crashes.length, before);
  });
});

describe('engine requests that need no trained model', () => {
  const { client } = makeClient();
  after(() => client.stop());

  test('presets answer with full configs for New Model Config…', async () => {
    const presets = await client.request(Requests.presets);
    const names = presets.map((p) => p.name);
    assert.ok(names.includes('mnist-tiny') && names.includes('mnist-small'), names.join(', '));
    for (const preset of presets) {
      assert.ok(preset.description.length > 0, `${preset.name} has no description`);
      const config = preset.config as { name?: unknown; stages?: unknown[] };
      assert.equal(config.name, preset.name);
      assert.ok(Array.isArray(config.stages) && config.stages.length > 0, `${preset.name} has no stages`);
    }
  });

  test('saveTensor writes a float32 .npy that an independent reader parses back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revnet-save-'));
    const path = join(dir, 'tensor.npy');
    const data = [0.5, -1.25, 3, 1e-7, -2.5, 42];
    await client.request(Requests.saveTensor, { tensor: { shape: [2, 3], dtype: 'float32', data }, path });
    const bytes = readFileSync(path);
    // NPY v1: magic, version, little-endian header length, a Python dict literal, then the raw data.
    assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
    const headerLength = bytes.readUInt16LE(8);
    const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
    assert.match(header, /'descr': '<f4'/);
    assert.match(header, /'shape': \(2, 3\)/);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
    assert.deepEqual([...values], data.map((v) => Math.fround(v)));
    await assert.rejects(
      client.request(Requests.saveTensor, { tensor: { shape: [4], dtype: 'float32', data: [1, 2] }, path: join(dir, 'bad.npy') }),
      /does not match 2 values/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  test('the bundled engine runs the wasm backend from the .wasm files beside it', async () => {
    const logs: string[] = [];
    const wasm = new EngineClient({ enginePath, backend: () => 'wasm', onLog: (e) => logs.push(e.message) });
    try {
      const info = await wasm.request(Requests.info);
      assert.equal(info.backend, 'wasm', logs.join('\n'));
    } finally {
      await wasm.stop();
    }
  });
});

describe('training through the engine process', () => {
  const progress: ProgressEvent[] = [];
  const client = new EngineClient({
    enginePath,
    backend: () => 'cpu',
    onLog: () => undefined,
    onProgress: (event) => progress.push(event),
  });
  const dir = mkdtempSync(join(tmpdir(), 'revnet-train-'));
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function firstProgress(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (progress.length === 0) {
      if (Date.now() > deadline) throw new Error('no progress notification within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test('Stop Training mid-run answers "cancelled" with a checkpoint on disk', async () => {
    progress.length = 0;
    const outDir = join(dir, 'stop');
    const running = client.request(Requests.train, {
      model: { preset: 'mnist-tiny', seed: 1 },
      data: { kind: 'random', count: 256, seed: 2 },
      epochs: 1000,
      batchSize: 8,
      outDir,
    });
    await firstProgress();
    // sent together: the engine handles them in order, so the status is answered after the cancel was seen,
    // at a step boundary of the still running loop (on main the loop never yielded: neither was answered
    // before the epoch ended, and the run went on to the epoch's end)
    const [cancelled, status] = await Promise.all([client.request(Requests.cancelTraining), client.request(Requests.status)]);
    assert.equal(cancelled, true);
    const result = await running;
    assert.equal(result.status, 'cancelled');
    assert.ok(status.training !== undefined, 'the status must be answered while the run still trains');
    assert.equal(status.training.stopping, true);
    assert.ok(
      result.steps >= 1 && result.steps <= status.training.step + 1,
      `stopped at step ${result.steps}; the status answered after the cancel said step ${status.training.step}: the stop must come at the next step boundary`,
    );
    assert.equal(result.message, `stopped at step ${result.steps} (checkpoint saved)`);
    assert.ok(existsSync(result.weightsPath), `checkpoint ${result.weightsPath} missing`);
    assert.ok(existsSync(result.configPath), `checkpoint config ${result.configPath} missing`);
    const event = progress.at(0);
    assert.ok(event !== undefined && Number.isFinite(event.loss) && event.backend === 'cpu');
    assert.equal(await client.request(Requests.cancelTraining), false, 'no training should be left running');
  });

  test('while training, status and a light inspect are answered before the run ends', async () => {
    progress.length = 0;
    const outDir = join(dir, 'busy');
    const order: string[] = [];
    const running = client
      .request(Requests.train, {
        model: { preset: 'mnist-tiny', seed: 1 },
        data: { kind: 'random', count: 512, seed: 2 },
        epochs: 1000,
        batchSize: 8,
        outDir,
      })
      .then((result) => {
        order.push('train ended');
        return result;
      });
    await firstProgress();
    const status = await client.request(Requests.status);
    order.push('status answered');
    const report = await client.request(Requests.inspect, { model: { preset: 'mnist-tiny', seed: 3 }, batchSize: 4, data: { kind: 'random', count: 8 } });
    order.push('inspect answered');
    assert.equal(await client.request(Requests.cancelTraining), true);
    await running;
    assert.deepEqual(order, ['status answered', 'inspect answered', 'train ended']);
    assert.ok(status.training !== undefined && status.training.step >= 1 && !status.training.stopping, JSON.stringify(status));
    assert.ok(report.blocks.length > 0);
    assert.deepEqual(await client.request(Requests.status), {}, 'no training left after the stop');
  });

  test('cancelling the train request itself stops it the same way', async () => {
    progress.length = 0;
    const source = new CancellationTokenSource();
    const running = client.request(
      Requests.train,
      { model: { preset: 'mnist-tiny', seed: 1 }, data: { kind: 'random', count: 256, seed: 2 }, epochs: 1000, batchSize: 8, outDir: join(dir, 'token') },
      source.token,
    );
    await firstProgress();
    source.cancel();
    const result = await running;
    assert.equal(result.status, 'cancelled');
    assert.ok(existsSync(result.weightsPath));
  });
});

describe('the engine killed during real work', () => {
  const progress: ProgressEvent[] = [];
  const crashes: EngineExit[] = [];
  const client = new EngineClient({
    enginePath,
    backend: () => 'cpu',
    onLog: () => undefined,
    onProgress: (event) => progress.push(event),
    onCrash: (exit) => crashes.push(exit),
  });
  const dir = mkdtempSync(join(tmpdir(), 'revnet-kill-'));
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGKILL mid-training: the request fails clearly, a new engine loads the checkpoint left behind', async () => {
    const outDir = join(dir, 'run');
    const running = client.request(Requests.train, {
      model: { preset: 'mnist-tiny', seed: 3 },
      data: { kind: 'random', count: 256, seed: 4 },
      epochs: 1000,
      batchSize: 8,
      outDir,
    });
    const deadline = Date.now() + 60_000;
    while (progress.filter((p) => p.kind === 'step').length < 3) {
      if (Date.now() > deadline) throw new Error('no training progress within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const pid = client.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(running, (error: unknown) => {
      assert.ok(error instanceof EngineCrashedError, String(error));
      assert.match(error.message, /killed \(SIGKILL\) while running revnet\/train/);
      return true;
    });
    assert.deepEqual(crashes.at(-1)?.during, ['revnet/train']);
    // the training writes a checkpoint at its start; whatever was on disk must still load
    const files = readdirSync(outDir, { recursive: true }).map(String);
    const config = files.find((f) => f.endsWith('.revnet.json'));
    const weights = files.find((f) => f.endsWith('.safetensors'));
    assert.ok(config && weights, `no checkpoint in ${outDir}: ${files.join(', ')}`);
    const summary = await client.request(Requests.load, { model: { configPath: join(outDir, config), weightsPath: join(outDir, weights) } });
    assert.equal(summary.name, 'mnist-tiny');
    assert.notEqual(client.pid, pid);
  });
});
