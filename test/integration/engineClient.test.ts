// A real engine process (dist/engine.js, built by the test runner) driven through the extension's
// EngineClient: requests, errors, cancellation, and a SIGKILL mid-request followed by a fresh process.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, RequestType } from 'vscode-jsonrpc/node';
import { Requests, type LogEvent } from '../../protocol/engineApi';
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
