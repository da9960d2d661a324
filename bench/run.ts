// The benchmark: our reversible stage against the same model in PyTorch (bench/torch_peer.py),
// same weights (exported with our safetensors writer), same batch, checked to compute the same forward
// output, loss and gradients before anything is timed. PyTorch is timed twice in every round, by two
// peer processes: one with our thread count, one on all cores (as a user's PyTorch runs). Then the user-visible jobs (bench/jobs.ts).
// Writes bench/results/bench-<backend>.{md,json}.
// Run: npm run bench -- [--backend wasm|cpu|tensorflow] [--repeats N] [--depths 8,32] [--python PATH] [--no-peer] [--no-cpu] [--no-jobs] [--out DIR]
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../engine/backend';
import { isBackendName } from '../protocol/engineApi';
import { compareWithPeer, FACTOR, FLOOR, GRADIENT_BOUND } from './agreement';
import { inspectRevnet38, mainJob, type JobResult } from './jobs';
import { median, stepPeak, timeForward, timeStep } from './measure';
import { TorchPeer } from './peer';
import { markdown, writeResults, type BenchResults, type DepthResult } from './report';
import { BATCH, buildStack, disposeStack, exportStack, type Stack } from './stack';
import { startStepRunner, threadsFromArgv, type StepRunner } from './threadsOption';
import { option } from './args';

const sh = (command: string): string => execSync(command, { encoding: 'utf8' }).trim();

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line?.split(':').at(1)?.trim() ?? cpus().at(0)?.model ?? 'unknown';
}

/** PyTorch with our thread count, and (where the machine has more cores) on all cores */
interface Peers {
  same: TorchPeer;
  allCores?: TorchPeer;
}

/** ours and the peers' repetitions alternate, so that a change in machine load hits all alike */
async function timeDepth(stack: Stack, peers: Peers | undefined, repeats: number, threaded: StepRunner | undefined): Promise<DepthResult['ms']> {
  const samples: Record<string, number[]> = {
    oursForward: [], oursForwardThreads: [], oursStandard: [], oursReversible: [], oursStandardThreads: [], oursReversibleThreads: [],
    torchForward: [], torchStep: [], torchForwardAll: [], torchStepAll: [],
  };
  const threadedMs = async (what: 'forward' | 'standard' | 'reversible') => {
    if (threaded === undefined) return undefined;
    const start = performance.now();
    await (what === 'forward' ? threaded.forward(stack.images) : threaded.step(stack.images, stack.labels, what));
    return performance.now() - start;
  };
  const torchMs = async (peer: TorchPeer | undefined, what: 'forward' | 'step') => ((await peer?.request({ cmd: 'time', what, times: 1 }))?.['ms'] as number[] | undefined)?.[0];
  for (let i = 0; i <= repeats; i++) {
    const round = {
      oursForward: timeForward(stack),
      oursForwardThreads: await threadedMs('forward'),
      oursStandard: timeStep(stack, 'standard'),
      oursReversible: timeStep(stack, 'reversible'),
      oursStandardThreads: await threadedMs('standard'),
      oursReversibleThreads: await threadedMs('reversible'),
      torchForward: await torchMs(peers?.same, 'forward'),
      torchStep: await torchMs(peers?.same, 'step'),
      torchForwardAll: await torchMs(peers?.allCores, 'forward'),
      torchStepAll: await torchMs(peers?.allCores, 'step'),
    };
    if (i === 0) continue; // warm-up
    for (const [key, value] of Object.entries(round)) if (value !== undefined) (samples[key] as number[] | undefined)?.push(value);
    process.stderr.write(`  round ${i}/${repeats}: ${Object.entries(round).map(([k, v]) => `${k} ${v?.toFixed(0) ?? '–'}`).join(', ')}\n`);
  }
  const out: DepthResult['ms'] = {};
  for (const [key, values] of Object.entries(samples)) if (values.length > 0) out[key] = { median: median(values), samples: values };
  return out;
}

async function benchDepth(depth: number, peers: Peers | undefined, repeats: number, scratch: string, threads: number): Promise<DepthResult> {
  process.stderr.write(`${depth} blocks\n`);
  const stack = buildStack(depth);
  try {
    const result: DepthResult = { depth, ms: {}, memory: { standard: await stepPeak(stack, 'standard'), reversible: await stepPeak(stack, 'reversible') } };
    if (peers !== undefined) {
      const peer = peers.same;
      const weights = join(scratch, `weights-${depth}.safetensors`);
      const batch = join(scratch, `batch-${depth}.safetensors`);
      const peerOut = join(scratch, `peer-${depth}.safetensors`);
      // fresh weights for the check: the peak runs above moved our running statistics
      disposeStack(stack);
      Object.assign(stack, buildStack(depth));
      exportStack(stack, weights, batch);
      await peer.request({ cmd: 'load', weights, batch, depth });
      await peers.allCores?.request({ cmd: 'load', weights, batch, depth });
      const { loss, loss64 } = await peer.request({ cmd: 'check', weights, out: peerOut });
      const agreement = compareWithPeer(stack, peerOut, loss as number, loss64 as number);
      result.agreement = agreement;
      process.stderr.write(`  agreement with PyTorch float64 (ours, torch float32): ${JSON.stringify(agreement.comparisons)}\n`);
      if (!agreement.agrees) {
        throw new Error(`ours and PyTorch disagree at ${depth} blocks: ${agreement.worst.name} is off by ${agreement.worst.error} relative to PyTorch float64 (bounds: outputs ${FACTOR}x PyTorch float32's own error or ${FLOOR}, gradients ${GRADIENT_BOUND}); timing two different computations would mean nothing`);
      }
      result.memory.torchSavedBytes = (await peer.request({ cmd: 'saved_bytes' }))['bytes'] as number;
    }
    // our default: one training thread per core (engine/parallel), timed beside the in-process step
    const threaded = threads > 1 ? await startStepRunner(stack.net, threads) : undefined;
    try {
      result.ms = await timeDepth(stack, peers, repeats, threaded);
    } finally {
      await threaded?.dispose();
    }
    return result;
  } finally {
    disposeStack(stack);
  }
}

async function backendRatio(backend: string, repeats: number): Promise<BenchResults['backendRatio']> {
  const depth = 2;
  const stack = buildStack(depth);
  try {
    const time = () => {
      timeStep(stack, 'reversible');
      return median(Array.from({ length: repeats }, () => timeStep(stack, 'reversible')));
    };
    const backendMs = time();
    await initBackend('cpu');
    const cpuMs = time();
    await initBackend(backend as 'wasm');
    return { depth, backend, backendMs, cpuMs, ratio: cpuMs / backendMs, repeats };
  } finally {
    disposeStack(stack);
  }
}

// the goals of the performance issue: against PyTorch on all cores (a user's default), and our own standard step
function goals(depths: DepthResult[], jobs: JobResult[]): BenchResults['goals'] {
  const at = (depth: number) => depths.find((d) => d.depth === depth);
  const largest = depths.at(-1);
  const m = (d: DepthResult | undefined, key: string) => d?.ms[key]?.median;
  const check = (goal: string, a: number | undefined, b: number | undefined, limit: number, unit = 'x') => {
    if (a === undefined || b === undefined) return { goal, value: 'not measured', met: null };
    return { goal, value: `${(a / b).toFixed(2)}${unit}`, met: a / b <= limit };
  };
  const out: BenchResults['goals'] = [];
  for (const d of depths) {
    const allCores = m(d, 'torchStepAll') === undefined ? '' : ' on all cores';
    const threaded = m(d, 'oursReversibleThreads') === undefined ? '' : ' at our default threads';
    const reversible = m(d, 'oursReversibleThreads') ?? m(d, 'oursReversible');
    const standard = m(d, 'oursStandardThreads') ?? m(d, 'oursStandard');
    out.push(check(`reversible step${threaded} ≤ 3x torch's step${allCores} (stretch 2x; ${d.depth} blocks)`, reversible, m(d, 'torchStepAll') ?? m(d, 'torchStep'), 3));
    const forwardThreaded = m(d, 'oursForwardThreads') === undefined ? '' : ' at our default threads';
    out.push(check(`forward${forwardThreaded} ≤ 2x torch's forward${allCores} (${d.depth} blocks)`, m(d, 'oursForwardThreads') ?? m(d, 'oursForward'), m(d, 'torchForwardAll') ?? m(d, 'torchForward'), 2));
    out.push(check(`reversible step ≤ 1.3x our standard step${threaded} (${d.depth} blocks)`, reversible, standard, 1.3));
  }
  const small = at(8) ?? depths.at(0);
  if (small !== undefined && largest !== undefined && small !== largest) {
    const growth = (mode: 'reversible' | 'standard') => largest.memory[mode].peakBytes / small.memory[mode].peakBytes;
    out.push({ goal: `reversible peak grows ≤ 10% from ${small.depth} to ${largest.depth} blocks`, value: `x${growth('reversible').toFixed(3)}`, met: growth('reversible') <= 1.1 });
    const linear = largest.depth / small.depth;
    out.push({ goal: `standard peak grows with depth (${small.depth} → ${largest.depth} blocks)`, value: `x${growth('standard').toFixed(2)} (depth x${linear})`, met: growth('standard') > 1.5 });
  }
  const main = jobs.find((j) => j.name.startsWith('main job'));
  if (main !== undefined) {
    const seconds = main.reportedSeconds ?? main.wallSeconds;
    out.push({ goal: 'main job (mnist-small, 5 epochs) trains in ≤ 50 s', value: `${seconds.toFixed(1)} s`, met: seconds <= 50 });
    out.push({ goal: 'main job reaches ≥ 97% test accuracy', value: main.testAccuracy === undefined ? 'not reported' : `${(100 * main.testAccuracy).toFixed(2)}%`, met: main.testAccuracy === undefined ? null : main.testAccuracy >= 0.97 });
  }
  const inspect = jobs.find((j) => j.name === 'inspect revnet-38');
  if (inspect !== undefined) out.push({ goal: '`revnet inspect --preset revnet-38` takes ≤ 8 s', value: `${inspect.wallSeconds.toFixed(1)} s`, met: inspect.wallSeconds <= 8 });
  return out;
}

async function main(): Promise<number> {
  const preference = option('--backend', 'wasm');
  if (!isBackendName(preference) || preference === 'auto') throw new Error(`--backend must be wasm, cpu or tensorflow, not "${preference}"`);
  const repeats = Number(option('--repeats', '7'));
  const depths = option('--depths', '8,32').split(',').map(Number);
  const python = option('--python', process.env['REVNET_BENCH_PYTHON'] ?? '/usr/bin/python3');
  const uptimeBefore = sh('uptime');
  // the code measured is the code loaded now: record its commit before anything runs
  const commit = sh('git rev-parse HEAD');
  const engineDirty = sh("git status --porcelain -- engine/model engine/backprop engine/backend engine/io 'bench/*.ts' 'bench/*.py'").length > 0;
  const choice = await initBackend(preference);
  const backend = choice.name;
  // wasm: XNNPACK's threads (1 unless the threaded build loaded); tensorflow: TF's own pool (all cores); cpu: plain JS, 1
  const threads = backend === 'wasm' ? getThreadsCount() : backend === 'tensorflow' ? cpus().length : 1;
  const ourThreads = backend === 'wasm' ? `${threads} XNNPACK thread(s) (getThreadsCount)` : backend === 'tensorflow' ? `TensorFlow's default pool (~${threads} threads)` : '1 thread (JavaScript)';
  // training threads at our default (--threads, as revnet train): 1 on tensorflow, one per core on wasm and cpu
  const trainingThreads = threadsFromArgv(process.argv, BATCH);

  let peers: Peers | undefined;
  let peerInfo: BenchResults['peer'];
  if (process.argv.includes('--no-peer')) {
    peerInfo = { skipped: '--no-peer' };
  } else {
    const started = await TorchPeer.start(python, threads);
    if ('reason' in started) {
      peerInfo = { skipped: started.reason };
      process.stderr.write(`PyTorch peer skipped: ${started.reason}. Only our own figures follow.\n`);
    } else {
      const i = started.info;
      peerInfo = { torch: i['torch'] as string, threads: i['threads'] as number, interopThreads: i['interop_threads'] as number, python: i['python'] as string };
      peers = { same: started.peer };
      if (cpus().length > threads) {
        const allCores = await TorchPeer.start(python, cpus().length);
        if ('peer' in allCores) {
          peers.allCores = allCores.peer;
          peerInfo.allCoresThreads = allCores.info['threads'] as number;
        }
      }
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'revnet-bench-'));
  const results: DepthResult[] = [];
  try {
    for (const depth of depths) results.push(await benchDepth(depth, peers, repeats, scratch, trainingThreads));
  } finally {
    await peers?.same.close();
    await peers?.allCores?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  const ratio = process.argv.includes('--no-cpu') || backend === 'cpu' ? undefined : await backendRatio(backend, 3);
  const jobs: JobResult[] = [];
  if (!process.argv.includes('--no-jobs')) {
    sh('node esbuild.mjs');
    jobs.push(mainJob(['--backend', backend]), inspectRevnet38(['--backend', backend]));
  }
  const report: BenchResults = {
    commit,
    engineDirty,
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, uptimeBefore, uptimeAfter: sh('uptime') },
    backend,
    ourThreads,
    trainingThreads,
    peer: peerInfo,
    repeats,
    depths: results,
    jobs,
    goals: goals(results, jobs),
  };
  if (ratio !== undefined) report.backendRatio = ratio;
  const files = writeResults(option('--out', join(__dirname, 'results')), report);
  process.stdout.write(markdown(report));
  process.stderr.write(`written: ${files.join(', ')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
