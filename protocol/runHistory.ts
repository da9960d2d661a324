// A training run's history, written by the engine into the run folder as JSON Lines (RUN_HISTORY_FILE) while
// it trains, by `revnet train` and the editor alike, and read by the panel's Training view, live or after the
// fact (docs/run-history.md). One JSON object per line, each with a `type`; readers skip types they do not
// know, so new kinds of line can be added without breaking older readers. A resumed run appends a new `run`
// line (resumed: true) and goes on counting steps; a new run in the same folder appends one with resumed: false,
// and readers show the history from the last such line on.
import type { ProgressEvent, TrainResult } from './engineApi';

export const RUN_HISTORY_FILE = 'history.jsonl';
export const RUN_HISTORY_FORMAT = 'revnet-run-history/1';

/** the first line of each run (and of each resumed part of it) */
export interface RunStartLine {
  type: 'run';
  format: typeof RUN_HISTORY_FORMAT;
  runId: string;
  /** true when this part continues the run before it from its checkpoint (steps go on counting) */
  resumed: boolean;
  model: string;
  /** the data really used, e.g. "mnist" or "random(count=512, seed=0)" */
  data: string;
  optimizer: string;
  batchSize: number;
  epochs: number;
  backend: string;
  /** ISO time */
  startedAt: string;
}

/** one line per progress event: every step, every epoch's end (with the test accuracy) and the end of training */
export interface RunProgressLine extends ProgressEvent {
  type: 'progress';
  /** the learning rate the step (or epoch) used */
  learningRate: number;
  /** ISO time */
  time: string;
}

/** the last line of a run that ended (a run killed mid-way has none) */
export interface RunEndLine {
  type: 'end';
  runId: string;
  status: TrainResult['status'];
  steps: number;
  message?: string;
  time: string;
}

export type RunHistoryLine = RunStartLine | RunProgressLine | RunEndLine;

export interface RunHistory {
  runs: RunStartLine[];
  progress: RunProgressLine[];
  end: RunEndLine | undefined;
  /** lines that were not JSON or lacked their fields (a line cut by a crash), skipped */
  skipped: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isProgressLine(value: Record<string, unknown>): boolean {
  return ['step', 'epoch', 'done'].includes(value['kind'] as string) && typeof value['runId'] === 'string' &&
    ['epoch', 'epochs', 'step', 'stepsPerEpoch', 'loss', 'accuracy', 'examplesPerSecond', 'memoryBytes'].every((key) => typeof value[key] === 'number');
}

/** Parses a history file's text; unknown line types are ignored, damaged lines counted in `skipped`. */
export function parseRunHistory(text: string): RunHistory {
  const history: RunHistory = { runs: [], progress: [], end: undefined, skipped: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      history.skipped++;
      continue;
    }
    if (!isRecord(value)) {
      history.skipped++;
      continue;
    }
    switch (value['type']) {
      case 'run':
        if (typeof value['runId'] === 'string') {
          if (value['resumed'] !== true) {
            // a new run in the same folder: the history starts again
            history.runs = [];
            history.progress = [];
          }
          history.runs.push(value as unknown as RunStartLine);
          history.end = undefined;
        } else history.skipped++;
        break;
      case 'progress':
        if (isProgressLine(value)) history.progress.push(value as unknown as RunProgressLine);
        else history.skipped++;
        break;
      case 'end':
        if (['finished', 'cancelled', 'diverged'].includes(value['status'] as string) && typeof value['steps'] === 'number') history.end = value as unknown as RunEndLine;
        else history.skipped++;
        break;
      default:
        // a newer kind of line: not ours to read
        break;
    }
  }
  return history;
}
