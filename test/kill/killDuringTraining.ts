// Kills `revnet train` with SIGKILL at random moments, again and again, and after every kill checks that
//   - the last checkpoint loads (every file matches the pointer's size and SHA-256; the network builds),
//   - it never goes backwards, and `revnet train --resume` continues from it,
//   - no partial file is ever taken for a model: the model files in the output folder, when present, load whole,
// then lets one resumed run finish and compares its weights, bit for bit, with an uninterrupted run (cpu backend).
//
//   npm run kill-test                       (25 kills)
//   node --import tsx test/kill/killDuringTraining.ts --kills 40 --seed 7
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpySync } from '../../engine/io/npy';
import { loadModel } from '../../engine/model/saveLoad';
import { hasCheckpoint, readCheckpoint } from '../../engine/train/checkpoint';
import { SeededRandom } from '../../engine/util/random';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const CONFIG = {
  name: 'kill-test',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  stem: { kind: 'squeeze' },
  stages: [{ units: 2, channels: 4, residual: 'basic', width: 4, downsample: 'none' }],
  head: { pool: 'flatten' },
};

export interface KillReport {
  kills: number;
  /** kills that landed before the run had written any checkpoint */
  beforeFirstCheckpoint: number;
  /** checkpoints loaded and checked after a kill */
  checkpointsLoaded: number;
  /** launches with --resume that went on to write a later checkpoint */
  resumesThatAdvanced: number;
  /** runs that ended on their own before the kill came */
  finishedBeforeKill: number;
  /** model file pairs found in the output folder and loaded whole */
  modelFilesLoaded: number;
  finalSteps: number;
  bitExact: boolean;
  failures: string[];
}

function prepare(folder: string): { configPath: string; data: string } {
  const random = new SeededRandom(3);
  const count = 60;
  const images = new Float32Array(count * 64);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = random.int(3);
    for (let p = 0; p < 64; p++) images[i * 64 + p] = (Math.floor(p / 8 / 3) === labels[i] ? 0.6 : 0.1) + 0.4 * random.next();
  }
  writeNpySync(join(folder, 'images.npy'), { shape: [count, 8, 8, 1], data: images });
  writeNpySync(join(folder, 'labels.npy'), { shape: [count], data: labels });
  const configPath = join(folder, 'kill-test.revnet.json');
  writeFileSync(configPath, JSON.stringify(CONFIG));
  return { configPath, data: `npy:images=${join(folder, 'images.npy')},labels=${join(folder, 'labels.npy')}` };
}

interface Launch {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function pointerText(out: string): string {
  try {
    return readFileSync(join(out, 'checkpoint', 'latest.json'), 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs `revnet train ARGS`. With a kill: SIGKILL `delayMs` after the start, or (afterCheckpoint) `delayMs`
 * after the child has switched the checkpoint pointer for the first time, so that the kill lands in training.
 */
function launch(args: string[], kill?: { delayMs: number; afterCheckpoint: boolean; out: string }): Promise<Launch> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'engine/cli/main.ts'), 'train', ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    if (kill !== undefined && !kill.afterCheckpoint) timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    if (kill?.afterCheckpoint) {
      const before = pointerText(kill.out);
      poll = setInterval(() => {
        if (pointerText(kill.out) === before) return;
        clearInterval(poll);
        poll = undefined;
        timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
      }, 20);
    }
    child.on('exit', (exitCode, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      resolve({ exitCode, signal, stderr });
    });
  });
}

function checkpointStep(out: string): number {
  const checkpoint = readCheckpoint(out);
  const step = checkpoint.state.step;
  checkpoint.network.dispose();
  return step;
}

/** Every `*.revnet.json` in the output folder must load with its weights, whole. */
async function checkModelFiles(out: string, report: KillReport): Promise<void> {
  for (const name of readdirSync(out)) {
    if (!name.endsWith('.revnet.json')) continue;
    try {
      const loaded = await loadModel(join(out, name));
      loaded.network.dispose();
      report.modelFilesLoaded += 1;
    } catch (error) {
      report.failures.push(`model file ${name} in ${out} does not load: ${(error as Error).message}`);
    }
  }
}

export async function runKillTest(options: {
  kills: number;
  seed: number;
  minDelayMs: number;
  maxDelayMs: number;
  afterCheckpointMaxMs: number;
  log?: (line: string) => void;
}): Promise<KillReport> {
  await tf.setBackend('cpu');
  const log = options.log ?? (() => undefined);
  const folder = mkdtempSync(join(tmpdir(), 'revnet-kill-'));
  const { configPath, data } = prepare(folder);
  const out = join(folder, 'run');
  const common = ['--batch', '8', '--optimizer', 'sgd', '--lr', '0.05', '--seed', '9', '--backend', 'cpu', '--checkpoint-every', '1', '--no-inspect'];
  const fresh = ['--config', configPath, '--data', data, '--epochs', '100000', '--out', out, ...common];
  const random = new SeededRandom(options.seed);
  const report: KillReport = {
    kills: 0, beforeFirstCheckpoint: 0, checkpointsLoaded: 0, resumesThatAdvanced: 0, finishedBeforeKill: 0, modelFilesLoaded: 0, finalSteps: 0, bitExact: false, failures: [],
  };
  let lastStep = -1;
  while (report.kills < options.kills && report.failures.length === 0) {
    const resuming = hasCheckpoint(out);
    // every other kill comes a random time after the child's first checkpoint, so that it lands in training
    // (often inside a checkpoint write); the others at a random time from the start (start-up, data, first steps)
    const afterCheckpoint = report.kills % 2 === 1;
    const delay = afterCheckpoint
      ? random.next() * options.afterCheckpointMaxMs
      : options.minDelayMs + random.next() * (options.maxDelayMs - options.minDelayMs);
    const args = resuming ? ['--resume', out, '--backend', 'cpu', '--checkpoint-every', '1', '--no-inspect'] : fresh;
    const result = await launch(args, { delayMs: delay, afterCheckpoint, out });
    if (result.signal !== 'SIGKILL') {
      report.finishedBeforeKill += 1;
      if (result.exitCode !== 0) report.failures.push(`a ${resuming ? 'resumed' : 'fresh'} run ended with code ${result.exitCode}: ${result.stderr.trim()}`);
      continue;
    }
    report.kills += 1;
    if (!hasCheckpoint(out)) {
      report.beforeFirstCheckpoint += 1;
      if (resuming) report.failures.push('the checkpoint pointer disappeared after a kill');
      log(`kill ${report.kills} ${Math.round(delay)} ms after ${afterCheckpoint ? 'its first checkpoint' : 'start'}: no checkpoint yet`);
      continue;
    }
    let step: number;
    try {
      step = checkpointStep(out);
      report.checkpointsLoaded += 1;
    } catch (error) {
      report.failures.push(`after kill ${report.kills} the checkpoint does not load: ${(error as Error).message}`);
      break;
    }
    if (step < lastStep) report.failures.push(`after kill ${report.kills} the checkpoint went back from step ${lastStep} to ${step}`);
    if (resuming && step > lastStep) report.resumesThatAdvanced += 1;
    await checkModelFiles(out, report);
    log(`kill ${report.kills} ${Math.round(delay)} ms after ${afterCheckpoint ? 'its first checkpoint' : 'start'}: checkpoint at step ${step} loads${resuming ? ' (resumed run)' : ''}`);
    lastStep = step;
  }
  if (report.failures.length > 0) return report;

  // let a resumed run finish a few steps past the checkpoint, and train the same steps without interruption
  const target = Math.max(lastStep, 0) + 5;
  const finish = await launch(hasCheckpoint(out) ? ['--resume', out, '--steps', String(target), '--backend', 'cpu', '--no-inspect'] : [...fresh, '--steps', String(target)]);
  if (finish.exitCode !== 0) report.failures.push(`the final resumed run failed (${finish.exitCode}): ${finish.stderr.trim()}`);
  const reference = join(folder, 'reference');
  const straight = await launch(['--config', configPath, '--data', data, '--epochs', '100000', '--out', reference, ...common.filter((a, i, all) => a !== '--checkpoint-every' && all[i - 1] !== '--checkpoint-every'), '--steps', String(target)]);
  if (straight.exitCode !== 0) report.failures.push(`the uninterrupted run failed (${straight.exitCode}): ${straight.stderr.trim()}`);
  report.finalSteps = target;
  const weights = (dir: string) => join(dir, 'kill-test.safetensors');
  if (existsSync(weights(out)) && existsSync(weights(reference))) {
    report.bitExact = readFileSync(weights(out)).equals(readFileSync(weights(reference)));
    if (!report.bitExact) report.failures.push(`after ${report.kills} kills and resumes, the weights at step ${target} differ from the uninterrupted run's`);
  } else {
    report.failures.push('the final model files are missing');
  }
  await checkModelFiles(out, report);
  return report;
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

if (process.argv.at(1) !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  void runKillTest({
    kills: argument('kills', 25),
    seed: argument('seed', 1),
    minDelayMs: argument('min-delay', 1000),
    maxDelayMs: argument('max-delay', 15000),
    afterCheckpointMaxMs: argument('after-checkpoint-max', 3000),
    log: (line) => process.stdout.write(`${line}\n`),
  }).then((report) => {
    process.stdout.write(`${JSON.stringify({ ...report, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
    process.exitCode = report.failures.length === 0 ? 0 : 1;
  });
}
