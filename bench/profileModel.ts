// Where one training step of a preset goes, kernel by kernel (tf.profile), at a given batch.
// Run: node --import tsx bench/profileModel.ts [--preset mnist-small] [--batch 128] [--mode reversible] [--backend wasm]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { isBackendName } from '../protocol/engineApi';
import { computeGradients, disposeStep } from '../engine/backprop';
import type { TrainMode } from '../engine/model/network.types';
import { buildNetwork } from '../engine/model/network';
import { presetConfig, isPresetName } from '../engine/model/presets';
import { SeededRandom } from '../engine/util/random';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return (index >= 0 ? process.argv.at(index + 1) : undefined) ?? fallback;
}

async function main(): Promise<void> {
  const backend = option('--backend', 'wasm');
  if (!isBackendName(backend)) throw new Error(`--backend: unknown backend "${backend}"`);
  const preset = option('--preset', 'mnist-small');
  if (!isPresetName(preset)) throw new Error(`--preset: unknown preset "${preset}"`);
  const mode = option('--mode', 'reversible') as TrainMode;
  const batch = Number(option('--batch', '128'));
  await initBackend(backend);
  const config = presetConfig(preset);
  const net = buildNetwork(config, 1);
  const random = new SeededRandom(2);
  const { height, width, channels } = config.input;
  const images = tf.tensor4d(random.normalArray(batch * height * width * channels), [batch, height, width, channels]);
  const labels = tf.tensor1d(Float32Array.from({ length: batch }, () => random.int(config.classes)));
  const run = () => disposeStep(computeGradients(net, images, labels, mode));
  for (let i = 0; i < 3; i++) run();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const info = await tf.profile(run);
  const byName = new Map<string, { ms: number; count: number }>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { ms: 0, count: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.count += 1;
    byName.set(k.name, entry);
  }
  const total = [...byName.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`${tf.getBackend()} ${preset} ${mode} step, batch ${batch}: median ${times[2]?.toFixed(1)} ms (unprofiled), kernels ${total.toFixed(0)} ms in ${info.kernels.length} calls`);
  console.log('| kernel | ms | share | calls |\n|---|---:|---:|---:|');
  for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${name} | ${e.ms.toFixed(1)} | ${((100 * e.ms) / total).toFixed(1)}% | ${e.count} |`);
  }
}

void main();
