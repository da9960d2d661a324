// The user-visible jobs the performance goals name, each run as a user runs it (the built CLI, its
// defaults) and timed from outside: the README's main job and an inspection of the paper's RevNet-38.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface JobResult {
  name: string;
  command: string;
  /** wall time of the whole command, process start to exit */
  wallSeconds: number;
  /** what the command reports for its own work (train: the training loop alone) */
  reportedSeconds?: number;
  testAccuracy?: number;
}

const cli = join(__dirname, '..', 'dist', 'cli.js');

function runCli(name: string, args: string[]): { result: JobResult; stdout: string } {
  const command = `revnet ${args.join(' ')}`;
  process.stderr.write(`job: ${command}\n`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const wallSeconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command} exited with ${String(run.status ?? run.signal)}: ${run.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return { result: { name, command, wallSeconds }, stdout: run.stdout };
}

/** The README's main job (mnist-small on the bundled digits, the preset's defaults), with --json for its figures. */
export function mainJob(extraArgs: string[]): JobResult {
  const out = mkdtempSync(join(tmpdir(), 'revnet-bench-main-'));
  try {
    const { result, stdout } = runCli('main job: train mnist-small', ['train', '--preset', 'mnist-small', '--data', 'mnist', '--out', join(out, 'mnist-small'), '--json', ...extraArgs]);
    const report = JSON.parse(stdout) as { seconds?: number; testAccuracy?: number };
    if (report.seconds !== undefined) result.reportedSeconds = report.seconds;
    if (report.testAccuracy !== undefined) result.testAccuracy = report.testAccuracy;
    return result;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** `revnet inspect --preset revnet-38` with its defaults (random data: the model takes 32x32x3). */
export function inspectRevnet38(extraArgs: string[]): JobResult {
  return runCli('inspect revnet-38', ['inspect', '--preset', 'revnet-38', '--json', ...extraArgs]).result;
}
