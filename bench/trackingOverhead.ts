// The cost of stability tracking during training (engine/stability/tracking.ts), in one process:
// 1. one measurement, as it was (4 power-iteration steps by double-VJP, cold start) against as it is (finite-difference
//    JVP, warm start from the last measurement, 2 steps), alternating, the weights nudged between measurements
//    as a training step would;
// 2. a training run with tracking at the default interval against the same run without, back to back, and the
//    tracker's own measured time inside the tracked run.
// Usage: node --import tsx bench/trackingOverhead.ts [--preset mnist-small] [--steps 124] [--batch 32] [--backend wasm]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/engineApi';
import type { StabilityRecord } from '../protocol/stabilityReport';
import { initBackend } from '../engine/backend';
import { computeNormalization, loadDataset, normalizeImages } from '../engine/data';
import { buildNetwork } from '../engine/model/network';
import { presetConfig } from '../engine/model/presets';
import { withDefaults } from '../engine/model/validateConfig';
import { STABILITY_FILE, StabilityTracker, TRACKING_BATCH } from '../engine/stability/tracking';
import { trainModel } from '../engine/train/trainModel';
import { SeededRandom } from '../engine/util/random';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'mnist-small' },
    steps: { type: 'string', default: '124' },
    batch: { type: 'string', default: '32' },
    backend: { type: 'string', default: 'wasm' },
    repeats: { type: 'string', default: '4' },
  },
});
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function measurementCost(): Promise<void> {
  const config = withDefaults(presetConfig(values.preset));
  const network = buildNetwork(config, 0);
  const data = loadDataset({ kind: 'mnist' }, {});
  const normalization = computeNormalization(data.train, 1);
  const size = TRACKING_BATCH * 784;
  const images = tf.tensor4d(normalizeImages(data.test.images.subarray(0, size), normalization), [TRACKING_BATCH, 28, 28, 1]);
  const labels = tf.tensor1d(data.test.labels.subarray(0, TRACKING_BATCH), 'int32');
  const outDir = mkdtempSync(join(tmpdir(), 'revnet-tracking-cost-'));
  const common = { network, images, labels, every: 1, threshold: 1, fresh: true, onCrossing: () => undefined };
  const old = new StabilityTracker({ ...common, outDir: join(outDir), warmStart: false, jvp: 'double-vjp' });
  const now = new StabilityTracker({ ...common, outDir: mkdtempSync(join(tmpdir(), 'revnet-tracking-cost-')) });
  const random = new SeededRandom(1);
  const times = { old: [] as number[], now: [] as number[] };
  const lipschitz = { old: [] as number[], now: [] as number[] };
  for (let i = 0; i < Number(values.repeats); i++) {
    // a step's worth of change: every weight moved by 1e-3 of its own scale
    for (const variable of network.weights.params.values()) {
      tf.tidy(() => variable.assign(tf.add(variable, tf.mul(tf.tensor(random.normalArray(variable.size), variable.shape), 1e-3 * Math.sqrt(tf.mean(tf.square(variable)).dataSync()[0])))));
    }
    for (const [name, tracker] of [['old', old], ['now', now]] as const) {
      const record = await tracker.measure(i + 1, 0);
      times[name].push(record.elapsedMs);
      lipschitz[name].push(record.worstInverseLipschitz?.value ?? Number.NaN);
    }
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  console.log(`one measurement, ${values.preset}, ${TRACKING_BATCH} probe examples (load ${load()}):`);
  console.log(`  before: 4 double-VJP power steps, cold: ${times.old.map((t) => (t / 1000).toFixed(2)).join(', ')} s (mean ${(mean(times.old) / 1000).toFixed(2)} s); worst inverse Lipschitz ${lipschitz.old.map((v) => v.toFixed(3)).join(', ')}`);
  console.log(`  now: finite-difference JVP, warm start, 2 steps after the first: ${times.now.map((t) => (t / 1000).toFixed(2)).join(', ')} s (mean of the warm ones ${(mean(times.now.slice(1)) / 1000).toFixed(2)} s); worst inverse Lipschitz ${lipschitz.now.map((v) => v.toFixed(3)).join(', ')}`);
  old.dispose();
  now.dispose();
  network.dispose();
  tf.dispose([images, labels]);
  rmSync(outDir, { recursive: true, force: true });
}

async function trainingRatio(): Promise<void> {
  const run = async (tracked: boolean) => {
    const outDir = mkdtempSync(join(tmpdir(), 'revnet-tracking-run-'));
    const started = performance.now();
    await trainModel(
      { model: { preset: values.preset }, data: { kind: 'mnist' }, epochs: 1, steps: Number(values.steps), batchSize: Number(values.batch), outDir, seed: 0, force: true, ...(tracked ? {} : { stabilityEvery: 0 }) },
      () => undefined,
      { cancelled: false },
    );
    const seconds = (performance.now() - started) / 1000;
    const records = tracked ? readFileSync(join(outDir, STABILITY_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StabilityRecord) : [];
    rmSync(outDir, { recursive: true, force: true });
    return { seconds, trackingSeconds: records.reduce((s, r) => s + (r.elapsedMs), 0) / 1000, measurements: records.length };
  };
  console.log(`training ${values.preset}, ${values.steps} steps, batch ${values.batch}, default tracking interval (load before ${load()}):`);
  const off = await run(false);
  const on = await run(true);
  console.log(`  tracking off: ${off.seconds.toFixed(1)} s; on: ${on.seconds.toFixed(1)} s (${on.measurements} measurements, ${on.trackingSeconds.toFixed(1)} s in the tracker)`);
  console.log(`  overhead: on/off − 1 = ${(100 * (on.seconds / off.seconds - 1)).toFixed(1)}%; tracker time / untracked time of the same run = ${(100 * on.trackingSeconds / (on.seconds - on.trackingSeconds)).toFixed(1)}% (load after ${load()})`);
}

async function main(): Promise<void> {
  await initBackend(values.backend as BackendName);
  await measurementCost();
  await trainingRatio();
}

void main();
