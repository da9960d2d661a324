// One entry point for every kind of data; the result is checked before anyone trains on it.
import type { DataSpec } from '../../protocol/engineApi';
import { loadBuiltinMnist } from './builtinMnist';
import { checkDataset, DatasetError, markDataError } from './checkDataset';
import { resolveDataSpec } from './defaultData';
import { cifarDatasetSteps } from './cifarDataset';
import { idxDatasetSteps } from './idxDataset';
import { npyDatasetSteps } from './npyDataset';
import { randomDatasetSteps } from './randomData';
import { runToEnd, type Stepwise } from '../util/stepwise';
import type { Dataset, LoadOptions } from './types';
import { MemoryLimitError, resolveMemoryLimit } from '../limits/memoryLimit';
import { DataBudget } from './dataBudget';

/** Loads and checks a data set. A failure keeps its type (FileFormatError names the file) and is marked as a
 *  data error (the server answers it with the data error code); the memory limit is not a data problem. */
export function loadDataset(spec: DataSpec, options: LoadOptions = {}): Dataset {
  try {
    return runToEnd(datasetSteps(spec, options));
  } catch (error) {
    throw asDataError(error);
  }
}

/**
 * loadDataset with `pause()` awaited after each file read and every chunk of values converted or made, so that
 * the event loop runs during a long load; an error thrown by `pause` (a cancel) ends the load and is passed on.
 */
export async function loadDatasetYielding(spec: DataSpec, options: LoadOptions, pause: () => Promise<void>): Promise<Dataset> {
  const steps = datasetSteps(spec, options);
  for (;;) {
    let next: IteratorResult<void, Dataset>;
    try {
      next = steps.next();
    } catch (error) {
      throw asDataError(error);
    }
    if (next.done === true) return next.value;
    try {
      await pause();
    } catch (error) {
      steps.return(undefined as never);
      throw error;
    }
  }
}

function asDataError(error: unknown): Error {
  if (!(error instanceof Error)) return new DatasetError(String(error));
  if (!(error instanceof MemoryLimitError)) markDataError(error);
  return error;
}

function* datasetSteps(spec: DataSpec, options: LoadOptions): Stepwise<Dataset> {
  const shape = options.shape ?? { height: 28, width: 28, channels: 1 };
  const dataset = yield* loadUnchecked(resolveDataSpec(spec, shape), options, new DataBudget(resolveMemoryLimit(options.memoryLimitBytes)));
  checkDataset(dataset);
  return dataset;
}

function* loadUnchecked(spec: Exclude<DataSpec, { kind: 'default' }>, options: LoadOptions, budget: DataBudget): Stepwise<Dataset> {
  switch (spec.kind) {
    case 'mnist': return loadBuiltinMnist();
    case 'random': return yield* randomDatasetSteps(spec.count, spec.seed, options, budget);
    case 'idx': return yield* idxDatasetSteps(spec, options, budget);
    case 'cifar10':
    case 'cifar100': return yield* cifarDatasetSteps(spec, options, budget);
    case 'npy': return yield* npyDatasetSteps(spec, options, budget);
    default: {
      const unknown: never = spec;
      throw new Error(`unknown data kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
    }
  }
}
