// Route (a) of issue 14 against route (b), in one run: tfjs-backend-wasm's threaded build (bench/threadedWasm.ts)
// at 1 and 2 XNNPACK threads, the single-threaded SIMD build the engine uses, and the data-parallel step
// (engine/parallel ParallelStep, 2 worker threads each with its own single-threaded backend).
// One child process per build (a process holds one wasm module); the parent checks that the threaded build
// computes what the single-threaded one does (Conv2D, MatMul, one reversible training step), then times every
// case in every child, round by round, so that load changes hit all alike. Prints medians, getThreadsCount(),
// each child's CPU time / wall time while timing (2 threads at work ≈ 2), and the load (uptime) before/after.
// Run: node --import tsx bench/wasmThreads.ts [--repeats 7]   (--repeats 0: the checks only)
import { fork, type ChildProcess } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../engine/backend';
import { computeGradients, disposeStep } from '../engine/backprop';
import { buildNetwork } from '../engine/model/network';
import type { Network } from '../engine/model/network.types';
import { presetConfig } from '../engine/model/presets';
import { SeededRandom } from '../engine/util/random';
import { ParallelStep } from '../engine/parallel/parallelStep';
import { MAX_LOSS_ERR, MAX_REL_ERR, MAX_VALUE_ERR, MIN_COSINE } from '../test/unit/engine/gradientTolerance';
import { buildStack } from './stack';
import { useThreadedWasm } from './threadedWasm';
import { machineLoad, median, option } from './args';

type Build = 'single' | 'threaded-1' | 'threaded-2';
const BUILDS: readonly Build[] = ['single', 'threaded-1', 'threaded-2'];
const MNIST_BATCH = 128;
const CONV_REPS = 10;
const SINGLE_INFERENCE_REPS = 5;
/** calls per timed sample: the short cases are repeated and their mean taken */
const repsOf = (item: string): number => (item.startsWith('conv') ? CONV_REPS : item.includes('forward1') ? SINGLE_INFERENCE_REPS : 1);

/** NHWC input, 3x3 'same' filter to `out` channels: the shapes of the bench stack's and mnist-small's convolutions */
const CONVS = [
  { name: 'Conv2D 32x32x32x16→16', shape: [32, 32, 32, 16], out: 16 },
  { name: 'Conv2D 64x14x14x32→2', shape: [64, 14, 14, 32], out: 2 },
  { name: 'Conv2D 64x7x7x8→64', shape: [64, 7, 7, 8], out: 64 },
] as const;

type Request = { cmd: 'check' } | { cmd: 'time'; item: string } | { cmd: 'exit' };
interface CheckAnswer { threads: number; values: Record<string, Float32Array>; idle: { afterKernel: number; atRest: number } }
interface TimeAnswer { ms: number; cpuPerWall: number }

// ---------------------------------------------------------------- child: one build, its cases

interface Case { net: Network; images: tf.Tensor4D; labels: tf.Tensor1D; pool?: ParallelStep }

/** a single inference: the first image of the batch */
const firstImage = (c: Case): tf.Tensor4D => tf.slice(c.images, [0, 0, 0, 0], [1, ...c.images.shape.slice(1)]);

function mnistCase(): Case {
  const config = presetConfig('mnist-small');
  const random = new SeededRandom(2);
  const { height, width, channels } = config.input;
  return {
    net: buildNetwork(config, 1),
    images: tf.tensor4d(random.normalArray(MNIST_BATCH * height * width * channels), [MNIST_BATCH, height, width, channels]),
    labels: tf.tensor1d(Float32Array.from({ length: MNIST_BATCH }, () => random.int(config.classes))),
  };
}

function stackCase(): Case {
  const { net, images, labels } = buildStack(8);
  return { net, images, labels };
}

function convInputs(index: number): [tf.Tensor4D, tf.Tensor4D] {
  const { shape, out } = CONVS[index];
  const random = new SeededRandom(100 + index);
  const x = tf.tensor4d(random.normalArray(shape.reduce((a, b) => a * b, 1)), [...shape]);
  const filter = tf.tensor4d(random.normalArray(9 * shape[3] * out), [3, 3, shape[3], out]);
  return [x, filter];
}

function stepValues(prefix: string, c: Case, values: Record<string, Float32Array>): void {
  const step = computeGradients(c.net, c.images, c.labels, 'reversible');
  values[`${prefix} loss`] = step.loss.dataSync() as Float32Array;
  values[`${prefix} logits`] = step.logits.dataSync() as Float32Array;
  for (const [name, grad] of step.grads) values[`${prefix} grad ${name}`] = grad.dataSync() as Float32Array;
  disposeStep(step);
}

function checkValues(): Record<string, Float32Array> {
  const values: Record<string, Float32Array> = {};
  CONVS.forEach(({ name }, index) => {
    const [x, filter] = convInputs(index);
    const y = tf.conv2d(x, filter, 1, 'same');
    values[name] = y.dataSync() as Float32Array;
    tf.dispose([x, filter, y]);
  });
  const random = new SeededRandom(7);
  const a = tf.tensor2d(random.normalArray(256 * 384), [256, 384]);
  const b = tf.tensor2d(random.normalArray(384 * 320), [384, 320]);
  const ab = tf.matMul(a, b);
  values['MatMul 256x384 · 384x320'] = ab.dataSync() as Float32Array;
  tf.dispose([a, b, ab]);
  // fresh networks: a step moves the BatchNorm running statistics
  for (const [prefix, make] of [['stack', stackCase], ['mnist-small', mnistCase]] as const) {
    const c = make();
    stepValues(prefix, c, values);
    c.net.dispose();
    tf.dispose([c.images, c.labels]);
  }
  return values;
}

const IDLE_MS = 100;
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const IDLE_REPS = 7;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cpuWhileWaiting(): Promise<number> {
  const start = process.cpuUsage();
  await sleep(IDLE_MS);
  return cpuMs(process.cpuUsage(start));
}

/**
 * CPU time this process spends in the IDLE_MS right after a Conv2D returns, and in an IDLE_MS that follows
 * another IDLE_MS of rest, while this thread only waits (medians of IDLE_REPS): a pool that spins after a
 * kernel would show as the first well above the second (the second holds V8's own background work)
 */
async function idleCpu(): Promise<{ afterKernel: number; atRest: number }> {
  const [x, filter] = convInputs(0);
  const afterKernel: number[] = [];
  const atRest: number[] = [];
  for (let rep = 0; rep < IDLE_REPS; rep++) {
    const y = tf.conv2d(x, filter, 1, 'same');
    y.dataSync();
    y.dispose();
    afterKernel.push(await cpuWhileWaiting());
    atRest.push(await cpuWhileWaiting());
  }
  tf.dispose([x, filter]);
  return { afterKernel: median(afterKernel), atRest: median(atRest) };
}

async function child(build: Build): Promise<void> {
  const threads = build === 'single' ? (await initBackend('wasm'), getThreadsCount()) : await useThreadedWasm(build === 'threaded-1' ? 1 : 2);
  const cases = { stack: stackCase(), mnist: mnistCase() };
  const convs = CONVS.map((_, index) => convInputs(index));
  if (build === 'single') {
    for (const c of Object.values(cases)) c.pool = await ParallelStep.start(c.net, 2, 'wasm');
  }
  const run = async (item: string): Promise<void> => {
    const [what, name] = item.split(':');
    if (what === 'conv') {
      const [x, filter] = convs[Number(name)];
      const y = tf.conv2d(x, filter, 1, 'same');
      y.dataSync();
      y.dispose();
      return;
    }
    const c = name === 'stack' ? cases.stack : cases.mnist;
    if (what === 'step') {
      const step = computeGradients(c.net, c.images, c.labels, 'reversible');
      for (const grad of step.grads.values()) grad.dataSync();
      disposeStep(step);
    } else if (what === 'forward' || what === 'forward1') {
      const images = what === 'forward' ? c.images : firstImage(c);
      const logits = c.net.predict(images);
      if (images !== c.images) images.dispose();
      logits.dataSync();
      logits.dispose();
    } else if (c.pool !== undefined && what === 'parallel-step') {
      disposeStep(await c.pool.step(c.net, c.images, c.labels, 'reversible'));
    } else if (c.pool !== undefined && (what === 'parallel-forward' || what === 'parallel-forward1')) {
      const images = what === 'parallel-forward' ? c.images : firstImage(c);
      (await c.pool.predict(c.net, images)).dispose();
      if (images !== c.images) images.dispose();
    } else {
      throw new Error(`${build}: no case ${item}`);
    }
  };
  process.on('message', (request: Request) => {
    void (async () => {
      switch (request.cmd) {
        case 'check': {
          const answer: CheckAnswer = { threads, values: checkValues(), idle: await idleCpu() };
          process.send?.(answer);
          return;
        }
        case 'time': {
          const cpu = process.cpuUsage();
          const start = performance.now();
          for (let rep = 0; rep < repsOf(request.item); rep++) await run(request.item);
          const wall = performance.now() - start;
          const used = process.cpuUsage(cpu);
          const answer: TimeAnswer = { ms: wall / repsOf(request.item), cpuPerWall: cpuMs(used) / wall };
          process.send?.(answer);
          return;
        }
        case 'exit':
          for (const c of Object.values(cases)) await c.pool?.dispose();
          process.exit(0);
      }
    })().catch((error: unknown) => {
      console.error(`${build}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      process.exit(1);
    });
  });
  process.send?.({ ready: true });
}

// ---------------------------------------------------------------- parent: check, then time in rounds

class Child {
  private pending: ((message: unknown) => void) | undefined;
  private constructor(readonly build: Build, private readonly process: ChildProcess) {
    process.on('message', (message) => {
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.(message);
    });
    process.on('exit', (code) => {
      if (this.pending !== undefined) throw new Error(`${build}: the child exited (${String(code)}) before answering`);
    });
  }

  static async start(build: Build): Promise<Child> {
    const proc = fork(__filename, ['--child', build], { execArgv: process.execArgv, serialization: 'advanced' });
    const started = new Child(build, proc);
    await started.answer();
    return started;
  }

  private answer<T>(): Promise<T> {
    return new Promise<T>((resolve) => { this.pending = resolve as (message: unknown) => void; });
  }

  ask<T>(request: Request): Promise<T> {
    const answered = this.answer<T>();
    this.process.send(request);
    return answered;
  }

  async exit(): Promise<void> {
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.send({ cmd: 'exit' });
    await exited;
  }
}

/** max |a - ref| / max(floor, max |ref|), and the cosine of the two as vectors (float64 sums) */
function compare(a: Float32Array, ref: Float32Array, floor: number): { err: number; cosine: number; identical: boolean } {
  if (a.length !== ref.length) throw new Error(`lengths differ: ${a.length} vs ${ref.length}`);
  let diff = 0, top = 0, dot = 0, aa = 0, rr = 0, identical = true;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - ref[i]));
    top = Math.max(top, Math.abs(ref[i]));
    dot += a[i] * ref[i]; aa += a[i] * a[i]; rr += ref[i] * ref[i];
    if (a[i] !== ref[i]) identical = false;
  }
  return { err: diff / Math.max(floor, top), cosine: aa === 0 && rr === 0 ? 1 : dot / Math.sqrt(aa * rr), identical };
}

/** within the tests' float32 tolerances (test/unit/engine/gradientTolerance.ts); throws naming the first value that is not */
function checkAgainst(build: Build, values: Record<string, Float32Array>, reference: Record<string, Float32Array>): string {
  let worst = 0, worstName = '', identical = 0;
  const names = Object.keys(reference);
  for (const name of names) {
    const isGrad = name.includes(' grad ');
    const isLoss = name.endsWith(' loss');
    const { err, cosine, identical: same } = compare(values[name], reference[name], isGrad ? 0 : 1);
    const limit = isGrad ? MAX_REL_ERR : isLoss ? MAX_LOSS_ERR : MAX_VALUE_ERR;
    if (err > limit || (isGrad && cosine < MIN_COSINE)) throw new Error(`${build}: ${name} differs from the single-threaded build: error ${err.toExponential(2)} (limit ${limit}), cosine ${cosine}`);
    if (err > worst) { worst = err; worstName = name; }
    if (same) identical++;
  }
  return `${identical}/${names.length} values bitwise identical; worst error ${worst.toExponential(2)}${worstName === '' ? '' : ` (${worstName})`}`;
}

interface Row { label: string; item: string }

const ROWS: readonly Row[] = [
  ...CONVS.map(({ name }, index) => ({ label: `${name} (one kernel)`, item: `conv:${String(index)}` })),
  { label: 'forward, bench stack 8 blocks, batch 1 (one inference)', item: 'forward1:stack' },
  { label: 'forward, bench stack 8 blocks, batch 32', item: 'forward:stack' },
  { label: `forward, mnist-small, batch ${String(MNIST_BATCH)}`, item: 'forward:mnist' },
  { label: 'reversible step, bench stack 8 blocks, batch 32', item: 'step:stack' },
  { label: `reversible step, mnist-small, batch ${String(MNIST_BATCH)}`, item: 'step:mnist' },
];
const PARALLEL: Record<string, string> = { 'forward1:stack': 'parallel-forward1:stack', 'forward:stack': 'parallel-forward:stack', 'forward:mnist': 'parallel-forward:mnist', 'step:stack': 'parallel-step:stack', 'step:mnist': 'parallel-step:mnist' };

async function parent(): Promise<void> {
  const repeats = Number(option('--repeats', '7'));
  if (!Number.isSafeInteger(repeats) || repeats < 0) throw new Error(`--repeats must be 0 (the checks only) or more, got ${String(repeats)}`);
  const loadBefore = machineLoad();
  const children = await Promise.all(BUILDS.map((build) => Child.start(build)));
  try {
    const checks = new Map<Build, CheckAnswer>();
    for (const c of children) checks.set(c.build, await c.ask<CheckAnswer>({ cmd: 'check' }));
    const reference = checks.get('single');
    if (reference === undefined) throw new Error('no single-threaded reference');
    console.log(`Load before: ${loadBefore}. Medians of ${String(repeats)} interleaved rounds after one warm-up round; Conv2D rows: the mean of ${String(CONV_REPS)} calls per round, one inference: of ${String(SINGLE_INFERENCE_REPS)}.`);
    for (const build of BUILDS) {
      const answer = checks.get(build);
      if (answer === undefined) continue;
      const agreement = build === 'single' ? 'the reference' : checkAgainst(build, answer.values, reference.values);
      console.log(`- ${build}: getThreadsCount() = ${String(answer.threads)}; ${agreement}; process CPU time while its JS thread waits ${String(IDLE_MS)} ms: ${answer.idle.afterKernel.toFixed(1)} ms right after a Conv2D, ${answer.idle.atRest.toFixed(1)} ms after ${String(IDLE_MS)} ms of rest (medians of ${String(IDLE_REPS)})`);
    }
    if (repeats === 0) return;
    // [row][column] samples; columns: the three builds, then route (b)
    const samples = ROWS.map(() => [[], [], [], []] as number[][]);
    const cpu = ROWS.map(() => [[], [], [], []] as number[][]);
    for (let round = 0; round <= repeats; round++) {
      for (const [r, row] of ROWS.entries()) {
        const jobs: [number, Child, string][] = children.map((c, i) => [i, c, row.item]);
        const parallelItem = PARALLEL[row.item] as string | undefined;
        if (parallelItem !== undefined) jobs.push([3, children[0], parallelItem]);
        // rotate the order each round, so that no build always runs right after another
        for (let k = 0; k < jobs.length; k++) {
          const [column, c, item] = jobs[(k + round) % jobs.length];
          const answer = await c.ask<TimeAnswer>({ cmd: 'time', item });
          if (round > 0) { samples[r][column].push(answer.ms); cpu[r][column].push(answer.cpuPerWall); }
        }
      }
    }
    const cell = (values: number[], digits: number) => (values.length === 0 ? '–' : median(values).toFixed(digits));
    console.log('\n| case | single-threaded build (ms) | threaded build, 1 thread (ms) | threaded build, 2 threads (ms) | route (b): ParallelStep, 2 threads (ms) | threaded 1 / 2 threads | single / threaded 2 | route (b) / threaded 2 | CPU/wall: threaded 2, route (b) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [r, row] of ROWS.entries()) {
      const [single, one, two, routeB] = samples[r].map((values) => (values.length === 0 ? NaN : median(values)));
      const ratio = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? '–' : `${(a / b).toFixed(2)}x`);
      const digits = row.item.startsWith('conv') ? 2 : 0;
      console.log(`| ${row.label} | ${cell(samples[r][0], digits)} | ${cell(samples[r][1], digits)} | ${cell(samples[r][2], digits)} | ${cell(samples[r][3], digits)} | ${ratio(one, two)} | ${ratio(single, two)} | ${ratio(routeB, two)} | ${cell(cpu[r][2], 2)}, ${cell(cpu[r][3], 2)} |`);
    }
    console.log(`\nLoad after: ${machineLoad()}`);
  } finally {
    await Promise.all(children.map((c) => c.exit()));
  }
}

const childIndex = process.argv.indexOf('--child');
const childBuild = childIndex >= 0 ? process.argv.at(childIndex + 1) : undefined;
const main = childBuild === undefined ? parent() : BUILDS.includes(childBuild as Build) ? child(childBuild as Build) : Promise.reject(new Error(`--child: unknown build ${childBuild}`));
main.catch((error: unknown) => {
  console.error(`wasmThreads: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
