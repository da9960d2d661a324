// The engine's start-to-first-answer time: forks dist/engine.js through the extension's EngineClient
// and times the first `info` request (process start, bundle load, backend selection), five times.
// Run after `npm run build`: node --import tsx bench/engineStart.ts [backend] [runs]
import { join } from 'node:path';
import { EngineClient } from '../extension/engine/engineClient';
import { Requests, type BackendName } from '../protocol/engineApi';
import { median } from './measure';

const backend = (process.argv[2] ?? 'auto') as BackendName;
const runs = Number(process.argv[3] ?? 5);
const enginePath = join(__dirname, '..', 'dist', 'engine.js');

async function main(): Promise<void> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const client = new EngineClient({ enginePath, backend: () => backend, onLog: () => undefined });
    const start = performance.now();
    const info = await client.request(Requests.info);
    times.push(performance.now() - start);
    await client.stop();
    if (run === 0) console.log(`backend ${info.backend}`);
  }
  console.log(`start to first answer, ms: ${times.map((t) => t.toFixed(0)).join(' ')}; median ${median(times).toFixed(0)}`);
}

void main();
