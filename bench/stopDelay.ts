// How long Stop takes to become "stopped" (checkpoint written, run reported), for a preset, from the CLI
// (SIGINT to `revnet train`) and from the engine (revnet/cancelTraining through the extension's engine client);
// and how long revnet/status takes to be answered while the engine trains (one request in flight at a time,
// from the first step's progress event over the next two steps: the answers wait for the next yield point).
// Usage (after `node esbuild.mjs`): node --import tsx bench/stopDelay.ts PRESET DATA BATCH [BACKEND] [STABILITY_EVERY]
//   (STABILITY_EVERY: the run's stability tracking interval, default the engine's; 0 turns it off)
//   e.g. node --import tsx bench/stopDelay.ts mnist-small mnist 64 wasm
//        node --import tsx bench/stopDelay.ts revnet-38 random:count=2048 32 wasm
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Requests, type ProgressEvent } from '../protocol/engineApi';
import { EngineClient } from '../extension/engine/engineClient';
import { parseDataSpec } from '../engine/train/parseDataSpec';
import type { BackendName } from '../protocol/engineApi';

const [preset = 'mnist-small', data = 'mnist', batch = '64', backend = 'wasm'] = process.argv.slice(2);
const stabilityEvery = process.argv.at(6);
const root = join(__dirname, '..');

async function viaCli(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'revnet-stop-cli-'));
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'train', '--preset', preset, '--data', data, '--epochs', '1', '--batch', batch, '--backend', backend, '--out', out, '--json', '--no-inspect', ...(stabilityEvery === undefined ? [] : ['--stability-every', stabilityEvery])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let signalledAt = 0;
  let stepLine = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (signalledAt === 0 && /step \d+\/\d+ \(total \d+\)/.test(text)) {
      stepLine = text.trim().split('\n').at(-1) ?? '';
      signalledAt = performance.now();
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const delay = performance.now() - signalledAt;
  const result = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { status: string; steps: number; message?: string };
  console.log(`CLI    ${preset} batch ${batch} on ${backend}: SIGINT after "${stepLine.slice(0, 60)}" → exit ${code}, ${result.message ?? result.status}, ${delay.toFixed(0)} ms from signal to exit`);
  rmSync(out, { recursive: true, force: true });
}

async function viaEngine(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'revnet-stop-engine-'));
  let first: ProgressEvent | undefined;
  let onFirst: () => void = () => undefined;
  const firstSeen = new Promise<void>((resolve) => (onFirst = resolve));
  let stepEvents = 0;
  const client = new EngineClient({
    enginePath: join(root, 'dist', 'engine.js'),
    backend: () => backend as BackendName,
    onLog: () => undefined,
    onProgress: (event) => {
      if (event.kind === 'step') stepEvents += 1;
      if (first === undefined && event.kind === 'step') {
        first = event;
        onFirst();
      }
    },
  });
  try {
    const running = client.request(Requests.train, { model: { preset }, data: parseDataSpec(data), epochs: 1, batchSize: Number(batch), outDir: out, ...(stabilityEvery === undefined ? {} : { stabilityEvery: Number(stabilityEvery) }) });
    await firstSeen;
    const stepStarted = performance.now();
    const latencies: number[] = [];
    while (stepEvents < 3) {
      const asked = performance.now();
      await client.request(Requests.status);
      latencies.push(performance.now() - asked);
    }
    const stepMs = (performance.now() - stepStarted) / 2;
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)] ?? Number.NaN;
    console.log(
      `engine ${preset} batch ${batch} on ${backend}: status during training, ${latencies.length} answers over 2 steps of ~${stepMs.toFixed(0)} ms: ` +
        `median ${median.toFixed(1)} ms, max ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms`,
    );
    const sent = performance.now();
    const statusAnswered = client.request(Requests.status).then((status) => ({ status, ms: performance.now() - sent }));
    await client.request(Requests.cancelTraining);
    const cancelAnswered = performance.now() - sent;
    const result = await running;
    const stopped = performance.now() - sent;
    const { status, ms } = await statusAnswered;
    console.log(
      `engine ${preset} batch ${batch} on ${backend}: Stop after step ${first?.step} → ${result.message ?? result.status}; ` +
        `status answered in ${ms.toFixed(0)} ms (step ${status.training?.step}), cancel answered in ${cancelAnswered.toFixed(0)} ms, stopped in ${stopped.toFixed(0)} ms`,
    );
  } finally {
    await client.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

void (async () => {
  await viaCli();
  await viaEngine();
})();
