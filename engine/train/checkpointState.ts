// Validates a checkpoint's state.json before a run continues from it: every field the loop reads, with a
// message naming the file and the field (a hand-edited or foreign file must not run, or "finish", silently).
import type { TrainParams } from '../../protocol/engineApi';
import type { TrainingState } from './checkpoint';
import { resolveOptions, type TrainOptions } from './options';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The state in `value`, with its options checked as a fresh run's would be; throws naming `path` and the field. */
export function validateTrainingState(value: unknown, path: string): TrainingState {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${path}: ${field} ${problem}; the checkpoint's state is damaged (start a new run, or restore the folder)`);
  };
  if (!isObject(value)) return fail('the file', 'is not a JSON object');
  const count = (field: string): number => {
    const v = value[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return fail(`"${field}"`, `must be a whole number ≥ 0, got ${JSON.stringify(v)}`);
    return v;
  };
  const finite = (field: string): number => {
    const v = value[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`"${field}"`, `must be a finite number, got ${JSON.stringify(v)}`);
    return v;
  };
  count('epoch');
  count('stepInEpoch');
  count('step');
  count('seed');
  finite('shuffleStateAtEpochStart');
  finite('learningRate');
  if (typeof value['finished'] !== 'boolean') fail('"finished"', `must be true or false, got ${JSON.stringify(value['finished'])}`);
  if (!isObject(value['data']) || typeof value['data']['kind'] !== 'string') fail('"data"', 'must be a data spec object with a "kind"');
  if (!Array.isArray(value['history'])) fail('"history"', 'must be an array');
  const totals = value['epochTotals'];
  if (!isObject(totals) || !['loss', 'correct', 'examples'].every((k) => typeof totals[k] === 'number' && Number.isFinite(totals[k]))) {
    fail('"epochTotals"', 'must be {loss, correct, examples} numbers');
  }
  const scalars = value['optimizerScalars'];
  if (scalars !== undefined && (!isObject(scalars) || !Object.values(scalars).every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    fail('"optimizerScalars"', 'must map names to finite numbers');
  }
  const options = value['options'];
  if (!isObject(options)) return fail('"options"', 'must be an object');
  let resolved: TrainOptions;
  try {
    // the same checks a new run's options get
    resolved = resolveOptions(options as unknown as TrainParams);
  } catch (error) {
    return fail('"options"', `are not valid: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof options['lrFactor'] !== 'number' || !Number.isFinite(options['lrFactor']) || options['lrFactor'] <= 0) {
    fail('"options.lrFactor"', `must be a number > 0, got ${JSON.stringify(options['lrFactor'])}`);
  }
  if (typeof options['shuffle'] !== 'boolean') fail('"options.shuffle"', 'must be true or false');
  return { ...(value as unknown as TrainingState), options: { ...resolved, lrFactor: options['lrFactor'] } };
}
