// Where one training step's time goes: tf.profile's kernel times summed by kernel name (plus counts), for the
// bench's stack, or for a preset at a batch (random images). Kernels composed of other kernels count their
// parts again, so the shares add up to more than the step.
// Run: node --import tsx bench/profile.ts [--mode reversible|standard] [--depth 8] [--backend wasm]
//      node --import tsx bench/profile.ts --preset mnist-small [--batch 128] [--mode ...] [--backend ...]
//      --shapes: one row per kernel and input shapes
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { isBackendName } from '../protocol/engineApi';
import { computeGradients, disposeStep } from '../engine/backprop';
import { buildNetwork } from '../engine/model/network';
import type { Network, TrainMode } from '../engine/model/network.types';
import { isPresetName, presetConfig } from '../engine/model/presets';
import { SeededRandom } from '../engine/util/random';
import { buildStack, disposeStack } from './stack';
import { option } from './args';

interface Profiled {
  label: string;
  net: Network;
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  dispose(): void;
}

function presetCase(preset: string, batch: number): Profiled {
  if (!isPresetName(preset)) throw new Error(`--preset: unknown preset "${preset}"`);
  const config = presetConfig(preset);
  const net = buildNetwork(config, 1);
  const random = new SeededRandom(2);
  const { height, width, channels } = config.input;
  const images = tf.tensor4d(random.normalArray(batch * height * width * channels), [batch, height, width, channels]);
  const labels = tf.tensor1d(Float32Array.from({ length: batch }, () => random.int(config.classes)));
  return { label: `${preset}, batch ${batch}`, net, images, labels, dispose: () => { net.dispose(); tf.dispose([images, labels]); } };
}

function stackCase(depth: number): Profiled {
  const stack = buildStack(depth);
  return { label: `${depth} blocks`, net: stack.net, images: stack.images, labels: stack.labels, dispose: () => { disposeStack(stack); } };
}

async function main(): Promise<void> {
  const backend = option('--backend', 'wasm');
  if (!isBackendName(backend)) throw new Error(`--backend: unknown backend "${backend}"`);
  const mode = option('--mode', 'reversible') as TrainMode;
  await initBackend(backend);
  const preset = option('--preset', '');
  const profiled = preset === '' ? stackCase(Number(option('--depth', '8'))) : presetCase(preset, Number(option('--batch', '128')));
  const run = () => {
    disposeStep(computeGradients(profiled.net, profiled.images, profiled.labels, mode));
  };
  run(); // warm-up
  const start = performance.now();
  const info = await tf.profile(run);
  const wall = performance.now() - start;
  const byName = new Map<string, { ms: number; count: number; bytesAdded: number }>();
  const byShapes = process.argv.includes('--shapes');
  for (const k of info.kernels) {
    const key = byShapes ? `${k.name} ${(k.inputShapes as (number[] | null)[]).map((shape) => (shape === null ? '?' : shape.join('x'))).join(', ')}` : k.name;
    const entry = byName.get(key) ?? { ms: 0, count: 0, bytesAdded: 0 };
    entry.bytesAdded += k.bytesAdded;
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.count += 1;
    byName.set(key, entry);
  }
  const total = [...byName.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`${tf.getBackend()}, ${mode} step, ${profiled.label}: wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms in ${info.kernels.length} calls, peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MiB`);
  console.log('| kernel | ms | share | calls | MiB added (net of what it freed) |\n|---|---:|---:|---:|---:|');
  for (const [name, { ms, count, bytesAdded }] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${name} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)}% | ${count} | ${(bytesAdded / 2 ** 20).toFixed(1)} |`);
  }
  profiled.dispose();
}

main().catch((error: unknown) => {
  console.error(`profile: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
