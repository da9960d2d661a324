// Data-parallel training threads against one thread, in the same run: the median reversible step of the bench's
// stack (8 blocks, batch 32) and of mnist-small (batch 64) at 1 thread and at N (default 2), interleaved round
// by round so that load changes hit both alike, and their ratio. The machine's load (uptime) before and after.
// Run: node --import tsx bench/threads.ts [--threads 2] [--repeats 7] [--backend wasm]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { buildNetwork } from '../engine/model/network';
import type { Network, TrainMode } from '../engine/model/network.types';
import { presetConfig } from '../engine/model/presets';
import { SeededRandom } from '../engine/util/random';
import { isBackendName } from '../protocol/engineApi';
import { BATCH, buildStack, disposeStack } from './stack';
import { startStepRunner } from './threadsOption';
import { machineLoad, median, option } from './args';

interface Case {
  name: string;
  net: Network;
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  dispose(): void;
}

function mnistSmallCase(batch: number): Case {
  const config = presetConfig('mnist-small');
  const net = buildNetwork(config, 1);
  const random = new SeededRandom(2);
  const { height, width, channels } = config.input;
  const images = tf.tensor4d(random.normalArray(batch * height * width * channels), [batch, height, width, channels]);
  const labels = tf.tensor1d(Array.from({ length: batch }, () => random.int(config.classes)), 'int32');
  return { name: `mnist-small, batch ${batch}`, net, images, labels, dispose: () => { net.dispose(); tf.dispose([images, labels]); } };
}

function stackCase(depth: number): Case {
  const stack = buildStack(depth);
  return { name: `bench stack, ${depth} blocks, batch ${BATCH}`, net: stack.net, images: stack.images, labels: stack.labels, dispose: () => { disposeStack(stack); } };
}

async function timeCase(c: Case, threads: number, repeats: number, mode: TrainMode): Promise<void> {
  const one = await startStepRunner(c.net, 1);
  const many = await startStepRunner(c.net, threads);
  const samples: [number[], number[]] = [[], []];
  try {
    for (let round = 0; round <= repeats; round++) {
      for (const [i, runner] of [one, many].entries()) {
        const start = performance.now();
        await runner.step(c.images, c.labels, mode);
        // round 0 warms up both (kernel set-up, the workers' first step)
        if (round > 0) samples[i].push(performance.now() - start);
      }
    }
  } finally {
    await many.dispose();
  }
  const [ms1, msN] = samples.map(median);
  console.log(`| ${c.name} | ${mode} | ${ms1.toFixed(0)} | ${msN.toFixed(0)} | ${(ms1 / msN).toFixed(2)}x |`);
}

async function main(): Promise<void> {
  const backend = option('--backend', 'wasm');
  if (!isBackendName(backend)) throw new Error(`--backend: unknown backend "${backend}"`);
  const threads = Number(option('--threads', '2'));
  const repeats = Number(option('--repeats', '7'));
  if (!Number.isSafeInteger(threads) || threads < 2) throw new Error(`--threads must be 2 or more, got ${threads}`);
  await initBackend(backend);
  console.log(`${tf.getBackend()}; median of ${repeats} steps after one warm-up, 1 thread and ${threads} interleaved; load before: ${machineLoad()}`);
  console.log(`| case | mode | 1 thread (ms) | ${threads} threads (ms) | speed-up |\n|---|---|---:|---:|---:|`);
  for (const make of [() => stackCase(8), () => mnistSmallCase(64)]) {
    const c = make();
    try {
      await timeCase(c, threads, repeats, 'reversible');
    } finally {
      c.dispose();
    }
  }
  console.log(`load after: ${machineLoad()}`);
}

main().catch((error: unknown) => {
  console.error(`threads: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
