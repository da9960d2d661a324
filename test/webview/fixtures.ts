// The reports and engine answers the webview tests feed the panel: recorded from `revnet inspect --json`
// when test/fixtures/reports/*.json exist, generated (make-report.ts) otherwise; explore results built here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExploreResult, ProgressEvent } from '../../protocol/engineApi';
import type { InspectReport } from '../../protocol/inspectReport';
import type { PlainTensor } from '../../protocol/tensor';
import { SeededRandom } from '../../engine/util/random';
import { revnet164Like, tinyLike } from '../fixtures/reports/make-report';
import { root } from './harness';

function recorded(name: string): InspectReport | undefined {
  const path = join(root, 'test', 'fixtures', 'reports', `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as InspectReport) : undefined;
}

/** revnet-164 as the engine reports it (27 bottleneck blocks), or generated when not recorded */
export function largeReport(): InspectReport {
  return recorded('revnet-164') ?? revnet164Like(7);
}

/** a revnet-164-sized report heavier than the engine's: 66 parameter tensors per block */
export function stressReport(): InspectReport {
  return revnet164Like(7, 66);
}

export function smallReport(): InspectReport {
  return recorded('mnist-tiny') ?? tinyLike(11);
}

function tensor(shape: number[], values: (i: number) => number): PlainTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, dtype: 'float32', data: Array.from({ length: size }, (_v, i) => values(i)) };
}

/** an engine answer with known numbers: input 28×28×1, output 7×7×16, inverted = input + small noise */
export function exploreResult(seed: number): ExploreResult {
  const random = new SeededRandom(seed);
  const input = tensor([28, 28, 1], (i) => Math.max(0, Math.sin(i / 30) + 0.3 * random.next()));
  const output = tensor([7, 7, 16], () => random.normal());
  const edited = { ...output, data: output.data.map((v, i) => (i % 16 === 3 ? 0 : v)) };
  const inverted = { ...input, data: input.data.map((v) => v + 1e-6 * random.normal()) };
  const difference = { ...input, data: input.data.map((v, i) => Math.abs(v - inverted.data[i])) };
  let maxAbs = 0;
  let diff2 = 0;
  let norm2 = 0;
  input.data.forEach((v, i) => {
    maxAbs = Math.max(maxAbs, difference.data[i]);
    diff2 += difference.data[i] ** 2;
    norm2 += v * v;
  });
  return { input, output, edited, inverted, difference, maxAbs, relL2: Math.sqrt(diff2 / norm2), label: 7 };
}

/** two epochs of five steps and a final "done"; `step` counts from the start of the run, as the engine sends it */
export function progressEvents(runId: string): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let step = 1; step <= 5; step++) {
      const t = epoch * 5 + step;
      events.push({ runId, kind: 'step', epoch, epochs: 2, step: t, stepsPerEpoch: 5, loss: 2.3 / (1 + 0.3 * t), accuracy: Math.min(0.98, 0.1 + 0.08 * t), examplesPerSecond: 400 + 3 * t, memoryBytes: 50e6 + 1e5 * t, backend: 'wasm' });
    }
    const last = events[events.length - 1];
    events.push({ ...last, kind: 'epoch', testAccuracy: 0.5 + 0.2 * epoch });
  }
  const last = events[events.length - 1];
  events.push({ ...last, kind: 'done', epoch: 2, testAccuracy: 0.91 });
  return events;
}
