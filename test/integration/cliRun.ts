// The built `revnet` CLI (dist/cli.js) as a child process whose stderr is read line by line as it comes, so that
// a test can signal it at a given moment of its output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const cliPath = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  /** stderr lines in order */
  lines: string[];
}

/** runs the CLI with `args`; `onLine` sees each stderr line and may signal the child (after `delayMs`) */
export function runCli(args: string[], onLine: (line: string, signal: (name: NodeJS.Signals, delayMs?: number) => void) => void): Promise<CliRun> {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run node esbuild.mjs first`);
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: CliRun = { code: null, stdout: '', lines: [] };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      run.lines.push(line);
      onLine(line, (name, delayMs = 0) => setTimeout(() => child.kill(name), delayMs));
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ ...run, code })));
}
