// Does the power iteration of the stability report (engine/stability/lipschitz.ts) converge on revnet-38?
// For every reversible unit, forward and inverse map, at the inspection's default data (seeded random images
// for 32x32x3 models) and its stability batch (8), BatchNorm in training mode: the estimate after 20 steps
// (the default), where the relative change first falls under the tolerance (1e-3), and the estimate after
// --max steps, which tells how far the 20-step figure was from the converged one.
// Usage: node --import tsx bench/lipschitzConvergence.ts [--preset revnet-38] [--max 60] [--backend wasm]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/engineApi';
import { initBackend } from '../engine/backend';
import { hostBatch, loadInspectionData } from '../engine/inspect/inspectionData';
import { buildNetwork } from '../engine/model/network';
import { presetConfig } from '../engine/model/presets';
import { withDefaults } from '../engine/model/validateConfig';
import { reversibleForward, reversibleInverse } from '../engine/model/units';
import { ForwardActivations } from '../engine/stability/blockErrors';
import { largestSingularValue } from '../engine/stability/lipschitz';
import type { ReversibleStep } from '../engine/model/architecture';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'revnet-38' }, max: { type: 'string', default: '60' }, backend: { type: 'string', default: 'wasm' }, batch: { type: 'string', default: '8' } } });

async function main(): Promise<void> {
  await initBackend(values.backend as BackendName);
  const config = withDefaults(presetConfig(values.preset));
  const network = buildNetwork(config, 0);
  const batchSize = Number(values.batch);
  const data = loadInspectionData(config, undefined, 0, 16);
  const batch = hostBatch(data, 0, batchSize);
  const images = tf.tensor4d(batch.images, [batchSize, config.input.height, config.input.width, config.input.channels]);
  const activations = new ForwardActivations(network, images, true);
  const max = Number(values.max);
  console.log(`${values.preset}, seed 0, ${batch.description}, ${batchSize} examples, BatchNorm training mode, double-VJP, tolerance 1e-3, ${tf.getBackend()}`);
  console.log(`| unit | map | after 20 steps | change at 20 | steps to change < 1e-3 | after ${max} steps | change at ${max} | 20-step value / last | time |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  activations.steps.forEach((step, index) => {
    if (step.kind !== 'reversible') return;
    const unit: ReversibleStep = step;
    for (const [name, fn, at] of [
      ['forward', (x: tf.Tensor) => reversibleForward(activations.ctx, unit, x as tf.Tensor4D), activations.inputOf(index)],
      ['inverse', (y: tf.Tensor) => reversibleInverse(activations.ctx, unit, y as tf.Tensor4D), activations.outputOf(index)],
    ] as const) {
      const trace: { estimate: number; change: number }[] = [];
      const started = performance.now();
      const result = largestSingularValue(fn, at, { maxIterations: max, tolerance: 0, onIteration: (_i, estimate, change) => trace.push({ estimate, change }) });
      const at20 = trace[Math.min(19, trace.length - 1)];
      const first = trace.findIndex((t) => t.change < 1e-3);
      console.log(`| ${step.id} | ${name} | ${at20.estimate.toFixed(4)} | ${at20.change.toExponential(1)} | ${first < 0 ? `> ${max}` : first + 1} | ${result.value.toFixed(4)} | ${result.lastRelativeChange.toExponential(1)} | ${(at20.estimate / result.value).toFixed(4)} | ${((performance.now() - started) / 1000).toFixed(0)} s |`);
    }
  });
  activations.dispose();
  images.dispose();
  network.dispose();
}

void main();
