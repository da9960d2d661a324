// One entry point for every kind of data; the result is checked before anyone trains on it.
import type { DataSpec } from '../../protocol/engineApi';
import { loadBuiltinMnist } from './builtinMnist';
import { checkDataset } from './checkDataset';
import { loadCifarDataset } from './cifarDataset';
import { loadIdxDataset } from './idxDataset';
import { loadNpyDataset } from './npyDataset';
import { loadRandomDataset } from './randomData';
import type { Dataset, LoadOptions } from './types';
import { resolveMemoryLimit } from '../limits/memoryLimit';
import { DataBudget } from './dataBudget';

export function loadDataset(spec: DataSpec, options: LoadOptions = {}): Dataset {
  const dataset = loadUnchecked(spec, options, new DataBudget(resolveMemoryLimit(options.memoryLimitBytes)));
  checkDataset(dataset);
  return dataset;
}

function loadUnchecked(spec: DataSpec, options: LoadOptions, budget: DataBudget): Dataset {
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
