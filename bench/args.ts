// What the bench scripts share besides measuring: their command-line options, a median, the machine's load.
import { execFileSync } from 'node:child_process';

/** the value after `--name` on the command line, else `fallback` */
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return (index >= 0 ? process.argv.at(index + 1) : undefined) ?? fallback;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** the three load averages `uptime` prints */
export function machineLoad(): string {
  return execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average:\s*/, '');
}
