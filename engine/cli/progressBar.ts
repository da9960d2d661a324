// Shows training progress in the terminal: one redrawn line with a bar on a TTY, plain lines otherwise
// (every tenth of an epoch), and one line per finished epoch with the test accuracy.
import type { ProgressEvent } from '../../protocol/engineApi';
import { formatBytes, formatPercent } from '../../shared/format';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** "epoch 2/5 step 130/625 (total 755) loss 0.2345 acc 93.75% 210 ex/s mem 1.70 MiB" */
export function describeStep(event: ProgressEvent): string {
  const stepInEpoch = event.step - event.epoch * event.stepsPerEpoch;
  return (
    `epoch ${event.epoch + 1}/${event.epochs} step ${stepInEpoch}/${event.stepsPerEpoch} (total ${event.step}) ` +
    `loss ${event.loss.toFixed(4)} acc ${formatPercent(event.accuracy)} ${Math.round(event.examplesPerSecond)} ex/s mem ${formatBytes(event.memoryBytes)}`
  );
}

export function describeEpoch(event: ProgressEvent): string {
  return (
    `epoch ${event.epoch + 1}/${event.epochs} done: loss ${event.loss.toFixed(4)} train acc ${formatPercent(event.accuracy)} ` +
    `test acc ${event.testAccuracy === undefined ? '–' : formatPercent(event.testAccuracy)} ${Math.round(event.examplesPerSecond)} ex/s mem ${formatBytes(event.memoryBytes)}`
  );
}

export class ProgressBar {
  private lastDraw = 0;
  private lineOpen = false;

  constructor(private readonly out: ProgressOutput, private readonly minIntervalMs = 100) {}

  update(event: ProgressEvent): void {
    if (event.kind === 'epoch') {
      this.closeLine();
      this.out.write(`${describeEpoch(event)}\n`);
      return;
    }
    if (event.kind === 'done') {
      this.closeLine();
      return;
    }
    const stepInEpoch = event.step - event.epoch * event.stepsPerEpoch;
    if (!this.out.isTTY) {
      const every = Math.max(1, Math.round(event.stepsPerEpoch / 10));
      if (stepInEpoch % every === 0 || stepInEpoch === event.stepsPerEpoch) this.out.write(`${describeStep(event)}\n`);
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < this.minIntervalMs && stepInEpoch !== event.stepsPerEpoch) return;
    this.lastDraw = now;
    const text = describeStep(event);
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 100) - text.length - 4));
    const filled = Math.round((Math.min(stepInEpoch, event.stepsPerEpoch) / Math.max(1, event.stepsPerEpoch)) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    this.out.write(`\r\x1b[2K${bar} ${text}`);
    this.lineOpen = true;
  }

  /** ends the redrawn line, so that the next output starts on its own line */
  closeLine(): void {
    if (this.lineOpen) this.out.write('\n');
    this.lineOpen = false;
  }
}
