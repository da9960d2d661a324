// The bench's results as JSON and as a Markdown table, in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Agreement } from './agreement';
import type { JobResult } from './jobs';

export interface DepthResult {
  depth: number;
  agreement?: Agreement;
  /** median milliseconds and every sample */
  ms: Record<string, { median: number; samples: number[] }>;
  memory: { standard: { peakBytes: number; stepPeakBytes: number }; reversible: { peakBytes: number; stepPeakBytes: number }; torchSavedBytes?: number };
}

export interface BenchResults {
  commit: string;
  engineDirty: boolean;
  date: string;
  command: string;
  machine: { nproc: number; cpu: string; node: string; uptimeBefore: string; uptimeAfter: string };
  backend: string;
  ourThreads: string;
  /** training threads of our "default" columns (engine/parallel; 1: none) */
  trainingThreads: number;
  peer: { torch: string; threads: number; interopThreads: number; python: string; allCoresThreads?: number } | { skipped: string };
  repeats: number;
  depths: DepthResult[];
  jobs: JobResult[];
  backendRatio?: { depth: number; backend: string; backendMs: number; cpuMs: number; ratio: number; repeats: number };
  goals: { goal: string; value: string; met: boolean | null }[];
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1));
const ms = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '–' : (a / b).toFixed(2));

export function markdown(r: BenchResults): string {
  const peer = 'skipped' in r.peer ? `skipped: ${r.peer.skipped}` : `PyTorch ${r.peer.torch} (Python ${r.peer.python}), ${r.peer.threads} intra-op / ${r.peer.interopThreads} inter-op thread(s)${r.peer.allCoresThreads === undefined ? '' : `, and a second peer process on all cores (${r.peer.allCoresThreads} threads)`}`;
  const lines = [
    `# Bench: reversible stage vs PyTorch`,
    '',
    `Commit \`${r.commit}\`${r.engineDirty ? ' (the measured code — engine/model, backprop, backend, io or bench/ — had uncommitted changes)' : ''}, ${r.date}. Command: \`${r.command}\`.`,
    '',
    `Machine: ${r.machine.nproc} cores, ${r.machine.cpu}, Node ${r.machine.node}. Load (\`uptime\`) before: ${r.machine.uptimeBefore}; after: ${r.machine.uptimeAfter}.`,
    `Ours: backend **${r.backend}**, ${r.ourThreads}; our default training threads (engine/parallel, \`--threads\`): ${r.trainingThreads}. Peer: ${peer}.`,
    `Stack: squeeze stem (64x64x8 → 32x32x32), one stage of basic reversible units at 32 channels (F, G: 16 → 16), batch 32, BatchNorm-ReLU / global average / dense head, softmax cross-entropy. Medians of ${r.repeats} interleaved repetitions (one warm-up each).`,
    '',
    '## Times (ms, median)',
    '',
    'Before timing, each depth is checked against PyTorch in float64 (error = max |a - ref| / max |ref| per tensor): inference logits, training-mode trunk output, loss, logits and every parameter gradient of both our modes must be within 4x PyTorch float32\'s own error or 1e-4, gradients within 5e-2 (see bench/agreement.ts). "agree" shows our largest error and where; the JSON has every comparison, ours and PyTorch float32\'s. PyTorch runs in two peer processes, with our thread count ("torch") and on all cores ("all cores"), in the same rounds.',
    '',
    `| blocks | agree (worst rel. err) | ours forward | ours forward, ${r.trainingThreads} threads | ours standard step | ours reversible step | ours standard step, ${r.trainingThreads} threads | ours reversible step, ${r.trainingThreads} threads | torch forward | torch step | torch forward, all cores | torch step, all cores |`,
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const median = (d: DepthResult, key: string) => (d.ms[key] as DepthResult['ms'][string] | undefined)?.median;
  for (const d of r.depths) {
    const m = (key: string) => median(d, key);
    const agree = d.agreement === undefined ? '–' : `${d.agreement.agrees ? 'yes' : 'NO'} (${d.agreement.worst.error.toExponential(1)}, ${d.agreement.worst.name})`;
    lines.push(`| ${d.depth} | ${agree} | ${ms(m('oursForward'))} | ${ms(m('oursForwardThreads'))} | ${ms(m('oursStandard'))} | ${ms(m('oursReversible'))} | ${ms(m('oursStandardThreads'))} | ${ms(m('oursReversibleThreads'))} | ${ms(m('torchForward'))} | ${ms(m('torchStep'))} | ${ms(m('torchForwardAll'))} | ${ms(m('torchStepAll'))} |`);
  }
  for (const d of r.depths) {
    const grads = d.agreement?.relativeL2['reversible gradients'];
    if (grads === undefined) continue;
    const e = (x: number) => x.toExponential(1);
    lines.push('', `${d.depth} blocks, reversible gradients by whole-tensor error ‖a − ref‖₂ / ‖ref‖₂ (not judged; a few flipped ReLU masks cannot dominate it): ours / PyTorch float32, median over ${grads.tensors} tensors ${grads.medianRatio.toFixed(2)}x; worst ${grads.worst.tensor}: ours ${e(grads.worst.ours)}, PyTorch float32 ${e(grads.worst.torch)}.`);
  }
  lines.push(
    '',
    '## Ratios (ours / theirs, from the medians above)',
    '',
    `| blocks | reversible / torch step (1 thread each) | reversible, ${r.trainingThreads} threads / torch step, all cores | forward / torch forward | forward, ${r.trainingThreads} threads / torch forward, all cores | reversible / our standard | reversible / our standard, ${r.trainingThreads} threads | our reversible: 1 thread / ${r.trainingThreads} threads |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const d of r.depths) {
    const m = (key: string) => median(d, key);
    lines.push(
      `| ${d.depth} | ${ratio(m('oursReversible'), m('torchStep'))} | ${ratio(m('oursReversibleThreads') ?? m('oursReversible'), m('torchStepAll'))} | ${ratio(m('oursForward'), m('torchForward'))} | ${ratio(m('oursForwardThreads') ?? m('oursForward'), m('torchForwardAll'))} | ${ratio(m('oursReversible'), m('oursStandard'))} | ${ratio(m('oursReversibleThreads'), m('oursStandardThreads'))} | ${ratio(m('oursReversible'), m('oursReversibleThreads'))} |`,
    );
  }
  lines.push('', '## Peak memory of one step (MiB)', '', '| blocks | standard: peak | standard: step adds | reversible: peak | reversible: step adds | torch: saved for backward |', '|---:|---:|---:|---:|---:|---:|');
  for (const d of r.depths) {
    const { standard, reversible, torchSavedBytes } = d.memory;
    lines.push(`| ${d.depth} | ${mb(standard.peakBytes)} | ${mb(standard.stepPeakBytes)} | ${mb(reversible.peakBytes)} | ${mb(reversible.stepPeakBytes)} | ${mb(torchSavedBytes)} |`);
  }
  lines.push('', '"peak" is `tf.profile` peakBytes (weights and batch included); "step adds" is peak minus the bytes alive before the step. Torch: distinct tensors autograd saved in one standard step (parameters excluded), measured with `saved_tensors_hooks`.');
  if (r.backendRatio !== undefined) {
    const b = r.backendRatio;
    lines.push('', `## Backends`, '', `Reversible step at ${b.depth} blocks: ${b.backend} ${ms(b.backendMs)} ms, cpu ${ms(b.cpuMs)} ms: cpu / ${b.backend} = ${b.ratio.toFixed(1)} (medians of ${b.repeats}).`);
  }
  if (r.jobs.length > 0) {
    lines.push('', '## Jobs, as a user runs them (the built CLI, its defaults)', '', '| job | command | wall time (s) | reported by the command (s) | test accuracy |', '|---|---|---:|---:|---:|');
    for (const j of r.jobs) {
      lines.push(`| ${j.name} | \`${j.command}\` | ${j.wallSeconds.toFixed(1)} | ${j.reportedSeconds === undefined ? '–' : j.reportedSeconds.toFixed(1)} | ${j.testAccuracy === undefined ? '–' : `${(100 * j.testAccuracy).toFixed(2)}%`} |`);
    }
  }
  lines.push('', '## Goals', '', '| goal | measured | met |', '|---|---|---|');
  for (const g of r.goals) lines.push(`| ${g.goal} | ${g.value} | ${g.met === null ? '–' : g.met ? 'yes' : 'no'} |`);
  return `${lines.join('\n')}\n`;
}

export function writeResults(folder: string, r: BenchResults): string[] {
  mkdirSync(folder, { recursive: true });
  const base = `bench-${r.backend}`;
  const json = join(folder, `${base}.json`);
  const md = join(folder, `${base}.md`);
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, markdown(r));
  return [md, json];
}
