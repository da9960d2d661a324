// Does the bi-Lipschitz regularizer (engine/stability/regularizer.ts, train --stability-reg) keep a RevNet's
// inverse stable where plain training lets it explode? Trains the same deep one-stage model on the built-in
// digits with each λ (same seed, data order and steps), tracks stability every N steps (stability.jsonl), then
// measures the trained model's one-block and chain reconstruction errors on test digits and on the
// out-of-distribution probes, with BatchNorm in both modes, and its inverse Lipschitz constants.
// Prints a table, writes JSON + CSV and an SVG plot (worst chain max |Δ| through training, per λ).
//
// Usage: node --import tsx bench/stabilityRegularizer.ts [--lambdas 0,0.1] [--units 8] [--width 32] [--lr 0.01]
//          [--steps 300] [--batch 32] [--every 25] [--lr-drops EPOCHS] [--threads N] [--backend wasm]
//          [--out bench/results/stability-regularizer]
//          (--lr-drops 1: the learning rate ×0.1 from the second epoch, 250 steps of batch 32 on the digits;
//          --threads: training threads, default 0 = one per core; 1 keeps a run on one core)
//        node --import tsx bench/stabilityRegularizer.ts --combine a/results.json,b/results.json --out DIR
//          (one table, CSV and plot from runs made separately, e.g. one λ per process on a shared machine)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { ProbeName, StabilityRecord } from '../protocol/stabilityReport';
import type { BackendName } from '../protocol/engineApi';
import { initBackend } from '../engine/backend';
import { loadDataset, normalizeImages } from '../engine/data';
import type { RevNetConfig } from '../engine/model/config';
import { loadModel } from '../engine/model/saveLoad';
import { measureStability } from '../engine/stability/measureStability';
import { STABILITY_FILE } from '../engine/stability/tracking';
import { trainModel } from '../engine/train/trainModel';

const { values } = parseArgs({
  options: {
    lambdas: { type: 'string', default: '0,0.1' },
    units: { type: 'string', default: '8' },
    width: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.01' },
    optimizer: { type: 'string', default: 'adam' },
    steps: { type: 'string', default: '300' },
    batch: { type: 'string', default: '32' },
    every: { type: 'string', default: '25' },
    'lr-drops': { type: 'string', default: '' },
    threads: { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'bench/results/stability-regularizer' },
    combine: { type: 'string' },
  },
});

const lambdas = values.lambdas.split(',').map(Number);
const units = Number(values.units);
const width = Number(values.width);
const steps = Number(values.steps);
const EXAMPLES = 8;

const config: RevNetConfig = {
  name: `deep-mnist-${units}u`,
  input: { height: 28, width: 28, channels: 1 },
  classes: 10,
  stem: { kind: 'squeeze' },
  stages: [{ units, channels: 4, residual: 'basic', width, downsample: 'none' }],
  head: { pool: 'flatten' },
};

interface Measured {
  mode: 'training' | 'inference';
  /** the worst over units of the chain error relL2, on the test digits and on each probe */
  chainRelL2: Record<'data' | ProbeName, number>;
  oneBlockRelL2: number;
  worstInverseLipschitz: number;
  worstForwardLipschitz: number;
  trunkInverseLipschitz: number | undefined;
  /** the worst unit's chain / one-block relL2 rebuilt in float64 from the same float32 inputs (rounding-free) */
  float64ChainRelL2?: number;
  float64OneBlockRelL2?: number;
}

interface RunResult {
  lambda: number;
  testAccuracy: number | undefined;
  finalLoss: number | undefined;
  status: string;
  seconds: number;
  trackingSeconds: number;
  curve: { step: number; worstChainMaxAbs: number; worstChainRelL2: number; worstInverseLipschitz: number }[];
  measured: Measured[];
}

const worst = (values: number[]): number => values.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)), 0);

async function runOne(lambda: number, folder: string): Promise<RunResult> {
  const configPath = join(folder, `${config.name}.revnet.json`);
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const outDir = join(folder, `lambda-${lambda}`);
  const started = performance.now();
  let lastStep = 0;
  const result = await trainModel(
    {
      model: { configPath },
      data: { kind: 'mnist' },
      epochs: 100,
      steps,
      batchSize: Number(values.batch),
      outDir,
      seed: Number(values.seed),
      optimizer: values.optimizer as 'adam' | 'sgd',
      learningRate: Number(values.lr),
      lrDrops: values['lr-drops'] === '' ? [] : values['lr-drops'].split(',').map(Number),
      threads: Number(values.threads),
      weightDecay: 0,
      stabilityEvery: Number(values.every),
      stabilityThreshold: 1e-3,
      stabilityReg: lambda,
      force: true,
    },
    (event) => {
      if (event.kind === 'step' && event.step - lastStep >= 50) {
        lastStep = event.step;
        process.stderr.write(`λ ${lambda}: step ${event.step} loss ${event.loss.toFixed(3)}\n`);
      }
    },
    { cancelled: false },
  );
  const seconds = (performance.now() - started) / 1000;
  const records = readFileSync(join(outDir, STABILITY_FILE), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as StabilityRecord);
  const curve = records.map((r) => ({
    step: r.step,
    worstChainMaxAbs: worst(r.blocks.map((b) => b.chainMaxAbs ?? Number.NaN)),
    worstChainRelL2: worst(r.blocks.map((b) => b.chainRelL2)),
    worstInverseLipschitz: r.worstInverseLipschitz?.value ?? Number.NaN,
  }));
  const trackingSeconds = records.reduce((s, r) => s + (r.elapsedMs), 0) / 1000;
  const measured: Measured[] = [];
  if (result.status === 'finished') {
    const model = await loadModel(result.configPath);
    const dataset = loadDataset({ kind: 'mnist' }, {});
    const normalization = model.config.normalization;
    if (normalization === undefined) throw new Error('the trained model has no normalisation');
    const images = tf.tensor4d(normalizeImages(dataset.test.images.subarray(0, EXAMPLES * 784), normalization), [EXAMPLES, 28, 28, 1]);
    for (const mode of ['training', 'inference'] as const) {
      // a rough inverse Lipschitz (12 power steps, no stage/trunk composites): the probes' errors are the point here
      const report = measureStability(model.network, images, mode, { batchSize: EXAMPLES, maxIterations: 12, tolerance: 1e-2, parts: false, float64: true });
      const chain = { data: worst(report.blocks.map((b) => b.errors.chainRelL2)) } as Record<'data' | ProbeName, number>;
      for (const probe of report.probes) chain[probe.name] = worst(report.blocks.map((b) => b.probes[probe.name]?.chainRelL2 ?? Number.NaN));
      measured.push({
        mode,
        chainRelL2: chain,
        oneBlockRelL2: worst(report.blocks.map((b) => b.errors.oneBlockRelL2)),
        worstInverseLipschitz: worst(report.blocks.map((b) => b.inverseLipschitz.value)),
        worstForwardLipschitz: worst(report.blocks.map((b) => b.forwardLipschitz.value)),
        trunkInverseLipschitz: report.parts.find((p) => p.id === 'trunk')?.inverseLipschitz.value,
        float64ChainRelL2: worst(report.blocks.map((b) => b.float64?.chainRelL2 ?? Number.NaN)),
        float64OneBlockRelL2: worst(report.blocks.map((b) => b.float64?.oneBlockRelL2 ?? Number.NaN)),
      });
    }
    images.dispose();
    model.network.dispose();
  }
  return { lambda, testAccuracy: result.testAccuracy, finalLoss: result.finalLoss, status: result.status, seconds, trackingSeconds, curve, measured };
}

function svgPlot(results: RunResult[]): string {
  const w = 640;
  const h = 360;
  const pad = { left: 70, right: 20, top: 30, bottom: 45 };
  const points = results.flatMap((r) => r.curve.filter((p) => Number.isFinite(p.worstChainMaxAbs) && p.worstChainMaxAbs > 0));
  const maxStep = Math.max(1, ...results.flatMap((r) => r.curve.map((p) => p.step)));
  const ys = points.map((p) => Math.log10(p.worstChainMaxAbs));
  const lo = Math.floor(Math.min(-7, ...ys));
  const hi = Math.ceil(Math.max(-2, ...ys));
  const x = (step: number) => pad.left + (step / maxStep) * (w - pad.left - pad.right);
  const y = (value: number) => pad.top + ((hi - Math.log10(value)) / (hi - lo)) * (h - pad.top - pad.bottom);
  const colours = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e'];
  const lines: string[] = [];
  lines.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`);
  lines.push(`<rect width="${w}" height="${h}" fill="white"/>`);
  lines.push(`<text x="${w / 2}" y="18" text-anchor="middle">worst chain max |Δ| through training (${config.name}, tracking batch, BatchNorm training mode)</text>`);
  for (let e = lo; e <= hi; e++) {
    lines.push(`<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    lines.push(`<text x="${pad.left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
  }
  for (const threshold of [1e-3, 1e-4]) {
    if (Math.log10(threshold) >= lo && Math.log10(threshold) <= hi) {
      lines.push(`<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(threshold)}" y2="${y(threshold)}" stroke="#888" stroke-dasharray="4 3"/>`);
    }
  }
  for (let s = 0; s <= 4; s++) {
    const step = Math.round((maxStep * s) / 4);
    lines.push(`<text x="${x(step)}" y="${h - pad.bottom + 16}" text-anchor="middle">${step}</text>`);
  }
  lines.push(`<text x="${w / 2}" y="${h - 8}" text-anchor="middle">training step</text>`);
  results.forEach((r, i) => {
    const colour = colours[i % colours.length];
    const path = r.curve
      .filter((p) => Number.isFinite(p.worstChainMaxAbs) && p.worstChainMaxAbs > 0)
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.worstChainMaxAbs).toFixed(1)}`)
      .join(' ');
    lines.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const acc = r.testAccuracy === undefined ? r.status : `${(100 * r.testAccuracy).toFixed(2)}%`;
    lines.push(`<text x="${pad.left + 10}" y="${pad.top + 16 + 16 * i}" fill="${colour}">λ = ${r.lambda} (test accuracy ${acc})</text>`);
  });
  lines.push(`<rect x="${pad.left}" y="${pad.top}" width="${w - pad.left - pad.right}" height="${h - pad.top - pad.bottom}" fill="none" stroke="#444"/>`);
  lines.push('</svg>');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const results: RunResult[] = [];
  if (values.combine !== undefined) {
    for (const file of values.combine.split(',')) results.push(...(JSON.parse(readFileSync(file, 'utf8')) as { results: RunResult[] }).results);
  } else {
    await initBackend(values.backend as BackendName);
    const folder = join(tmpdir(), `revnet-stability-reg-${process.pid}`);
    mkdirSync(folder, { recursive: true });
    for (const lambda of lambdas) results.push(await runOne(lambda, folder));
  }
  report(results);
}

function report(results: RunResult[]): void {
  const fmt = (v: number | undefined) => (v === undefined ? '-' : Number.isNaN(v) ? 'NaN' : v.toExponential(2));
  if (values.combine !== undefined) console.log(`combined from ${values.combine} (each file's options are in it)`);
  else console.log(`${config.name}: ${units} units, width ${width}, ${values.optimizer} lr ${values.lr}, no weight decay, batch ${values.batch}, ${steps} steps, lr drops ${values['lr-drops'] || 'none'}, threads ${values.threads}, seed ${values.seed}, backend ${tf.getBackend()}`);
  console.log('| λ | test acc. | BN mode | one-block | chain (data) | gaussian | ×2 | ×5 | uniform | interp. | worst Lip inv | trunk Lip inv | float64 chain | train s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const csv = ['lambda,testAccuracy,mode,oneBlockRelL2,chainData,chainGaussian,chainScaled2,chainScaled5,chainUniform,chainInterpolation,worstInverseLipschitz,trunkInverseLipschitz,float64ChainRelL2,seconds'];
  for (const r of results) {
    for (const m of r.measured) {
      const c = m.chainRelL2;
      const acc = r.testAccuracy === undefined ? r.status : `${(100 * r.testAccuracy).toFixed(2)}%`;
      console.log(`| ${r.lambda} | ${acc} | ${m.mode} | ${fmt(m.oneBlockRelL2)} | ${fmt(c.data)} | ${fmt(c.gaussian)} | ${fmt(c['scaled-2'])} | ${fmt(c['scaled-5'])} | ${fmt(c.uniform)} | ${fmt(c.interpolation)} | ${m.worstInverseLipschitz.toFixed(2)} | ${m.trunkInverseLipschitz?.toFixed(2) ?? '-'} | ${fmt(m.float64ChainRelL2)} | ${r.seconds.toFixed(0)} |`);
      csv.push([r.lambda, r.testAccuracy ?? '', m.mode, m.oneBlockRelL2, c.data, c.gaussian, c['scaled-2'], c['scaled-5'], c.uniform, c.interpolation, m.worstInverseLipschitz, m.trunkInverseLipschitz ?? '', m.float64ChainRelL2 ?? '', r.seconds.toFixed(1)].join(','));
    }
    if (r.measured.length === 0) console.log(`| ${r.lambda} | ${r.status} | - | | | | | | | | | | | ${r.seconds.toFixed(0)} |`);
    const last = r.curve.at(-1);
    console.log(`  λ ${r.lambda}: tracked curve worst chain max|Δ| ${r.curve.map((p) => fmt(p.worstChainMaxAbs)).join(' ')}; last worst inverse Lipschitz ${last?.worstInverseLipschitz.toFixed(2) ?? '-'}; tracking ${r.trackingSeconds.toFixed(0)} s of ${r.seconds.toFixed(0)} s`);
  }
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'results.json'), JSON.stringify({ config, options: values, results }, null, 2));
  // (combined: the options are those of the files listed in `options.combine`)
  writeFileSync(join(values.out, 'results.csv'), `${csv.join('\n')}\n`);
  writeFileSync(join(values.out, 'chain-error.svg'), svgPlot(results));
  console.log(`wrote ${values.out}/results.json, results.csv, chain-error.svg`);
}

void main();
