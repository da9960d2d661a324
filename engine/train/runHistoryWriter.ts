// Appends a run's history to RUN_HISTORY_FILE in its output folder (protocol/runHistory.ts): one line per
// progress event as it happens, so a reader sees the run live and a crash loses at most the line being written.
// Appending is safe here: the file is a log that only grows, never a model file replaced in place.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressEvent, TrainResult } from '../../protocol/engineApi';
import { RUN_HISTORY_FILE, RUN_HISTORY_FORMAT, type RunHistoryLine } from '../../protocol/runHistory';

export class RunHistoryWriter {
  private readonly path: string;
  private failed = false;

  constructor(outDir: string, private readonly log: (message: string) => void = () => undefined) {
    this.path = join(outDir, RUN_HISTORY_FILE);
  }

  start(line: { runId: string; resumed: boolean; model: string; data: string; optimizer: string; batchSize: number; epochs: number; backend: string }): void {
    this.write({ type: 'run', format: RUN_HISTORY_FORMAT, ...line, startedAt: new Date().toISOString() });
  }

  progress(event: ProgressEvent, learningRate: number): void {
    this.write({ type: 'progress', ...event, learningRate, time: new Date().toISOString() });
  }

  end(runId: string, result: Pick<TrainResult, 'status' | 'steps' | 'message'>): void {
    const line: RunHistoryLine = { type: 'end', runId, status: result.status, steps: result.steps, time: new Date().toISOString() };
    if (result.message !== undefined) line.message = result.message;
    this.write(line);
  }

  private write(line: RunHistoryLine): void {
    if (this.failed) return;
    try {
      // non-finite numbers (a diverged loss) become null in JSON: readers treat them as missing
      appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    } catch (error) {
      // the history is a record, not the training: a full disk stops the history, not the run
      this.failed = true;
      this.log(`${this.path}: the run's history is no longer written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
