// One entry point for every kind of data; the result is checked before anyone trains on it.
import type { DataSpec } from '../../protocol/engineApi';
import { loadBuiltinMnist } from './builtinMnist';
import { checkDataset, DatasetError, markDataError } from './checkDataset';
import { resolveDataSpec } from './defaultData';
import { loadCifarDataset } from './cifarDataset';
import { loadIdxDataset } from './idxDataset';
import { loadNpyDataset } from './npyDataset';
import { loadRandomDataset } from './randomData';
import type { Dataset, LoadOptions } from './types';
import { MemoryLimitError, resolveMemoryLimit } from '../limits/memoryLimit';
import { DataBudget } from './dataBudget';

/** Loads and checks a data set. A failure keeps its type (FileFormatError names the file) and is marked as a
 *  data error (the server answers it with the data error code); the memory limit is not a data problem. */
export function loadDataset(spec: DataSpec, options: LoadOptions = {}): Dataset {
  try {
    const shape = options.shape ?? { height: 28, width: 28, channels: 1 };
    const dataset = loadUnchecked(resolveDataSpec(spec, shape), options, new DataBudget(resolveMemoryLimit(options.memoryLimitBytes)));
    checkDataset(dataset);
    return dataset;
  } catch (error) {
    if (!(error instanceof Error)) throw new DatasetError(String(error));
    if (!(error instanceof MemoryLimitError)) markDataError(error);
    throw error;
  }
}

function loadUnchecked(spec: Exclude<DataSpec, { kind: 'default' }>, options: LoadOptions, budget: DataBudget): Dataset {
  switch (spec.kind) {
    case 'mnist': return loadBuiltinMnist();
    case 'random': return loadRandomDataset(spec.count, spec.seed, options, budget);
    case 'idx': return loadIdxDataset(spec, options, budget);
    case 'cifar10':
    case 'cifar100': return loadCifarDataset(spec, options, budget);
    case 'npy': return loadNpyDataset(spec, options, budget);
    default: {
      const unknown: never = spec;
      throw new Error(`unknown data kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
    }
  }
}
