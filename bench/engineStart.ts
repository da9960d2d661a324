// The engine's start-to-first-answer time: forks the engine bundle through the extension's EngineClient
// and times the first `info` request (process start, bundle load, backend selection); then, in the same
// process, the first request that reads the built-in digits (`explore` of digit sample 0 on the mnist-tiny
// preset, no edits). Five fresh processes; prints each time and the medians.
// Run after `npm run build`: node --import tsx bench/engineStart.ts [backend] [runs] [path/to/engine.js]
import { join } from 'node:path';
import { EngineClient } from '../extension/engine/engineClient';
import { Requests, type BackendName } from '../protocol/engineApi';
import { median } from './measure';

const backend = (process.argv[2] ?? 'auto') as BackendName;
const runs = Number(process.argv[3] ?? 5);
const enginePath = process.argv[4] ?? join(__dirname, '..', 'dist', 'engine.js');

async function main(): Promise<void> {
  const first: number[] = [];
  const digits: number[] = [];
  for (let run = 0; run < runs; run++) {
    const client = new EngineClient({ enginePath, backend: () => backend, onLog: () => undefined });
    const start = performance.now();
    const info = await client.request(Requests.info);
    first.push(performance.now() - start);
    const before = performance.now();
    await client.request(Requests.explore, { model: { preset: 'mnist-tiny' }, data: { kind: 'mnist' }, source: { sample: 0 }, edits: [] });
    digits.push(performance.now() - before);
    await client.stop();
    if (run === 0) console.log(`${enginePath}, backend ${info.backend}`);
  }
  const show = (times: number[]): string => `${times.map((t) => t.toFixed(0)).join(' ')}; median ${median(times).toFixed(0)}`;
  console.log(`start to first answer, ms: ${show(first)}`);
  console.log(`first request reading the digits, ms: ${show(digits)}`);
}

void main();
