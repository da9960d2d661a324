// Where one training step's time goes: tf.profile's kernel times summed by kernel name (plus counts),
// for the bench's stack. Run: node --import tsx bench/profile.ts [--mode reversible|standard] [--depth 8] [--backend wasm]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { isBackendName } from '../protocol/engineApi';
import { computeGradients, disposeStep } from '../engine/backprop';
import type { TrainMode } from '../engine/model/network.types';
import { buildStack, disposeStack } from './stack';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return (index >= 0 ? process.argv.at(index + 1) : undefined) ?? fallback;
}

async function main(): Promise<void> {
  const backend = option('--backend', 'wasm');
  if (!isBackendName(backend)) throw new Error(`--backend: unknown backend "${backend}"`);
  const mode = option('--mode', 'reversible') as TrainMode;
  const depth = Number(option('--depth', '8'));
  await initBackend(backend);
  const stack = buildStack(depth);
  const run = () => {
    const step = computeGradients(stack.net, stack.images, stack.labels, mode);
    disposeStep(step);
  };
  run(); // warm-up
  const start = performance.now();
  const info = await tf.profile(run);
  const wall = performance.now() - start;
  const byName = new Map<string, { ms: number; count: number; bytesAdded: number }>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { ms: 0, count: 0, bytesAdded: 0 };
    entry.bytesAdded += k.bytesAdded;
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.count += 1;
    byName.set(k.name, entry);
  }
  const total = [...byName.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`${tf.getBackend()}, ${mode} step, ${depth} blocks: wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms in ${info.kernels.length} calls, peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MiB`);
  console.log('| kernel | ms | share | calls | MiB added (net of what it freed) |\n|---|---:|---:|---:|---:|');
  for (const [name, { ms, count, bytesAdded }] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${name} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)}% | ${count} | ${(bytesAdded / 2 ** 20).toFixed(1)} |`);
  }
  disposeStack(stack);
}

main().catch((error: unknown) => {
  console.error(`profile: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
