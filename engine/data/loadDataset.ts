// One entry point for every kind of data; the result is checked before anyone trains on it.
import type { DataSpec } from '../../protocol/engineApi';
import { loadBuiltinMnist } from './builtinMnist';
import { checkDataset, DatasetError } from './checkDataset';
import { resolveDataSpec } from './defaultData';
import { loadCifarDataset } from './cifarDataset';
import { loadIdxDataset } from './idxDataset';
import { loadNpyDataset } from './npyDataset';
import { loadRandomDataset } from './randomData';
import type { Dataset, LoadOptions } from './types';

/** Loads and checks a data set; every failure is a DatasetError (the server answers it with the data error code). */
export function loadDataset(spec: DataSpec, options: LoadOptions = {}): Dataset {
  try {
    const dataset = loadUnchecked(resolveDataSpec(spec, options.shape ?? { height: 28, width: 28, channels: 1 }), options);
    checkDataset(dataset);
    return dataset;
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(error instanceof Error ? error.message : String(error));
  }
}

function loadUnchecked(spec: Exclude<DataSpec, { kind: 'default' }>, options: LoadOptions): Dataset {
  switch (spec.kind) {
    case 'mnist': return loadBuiltinMnist();
    case 'random': return loadRandomDataset(spec.count, spec.seed, options);
    case 'idx': return loadIdxDataset(spec, options);
    case 'cifar10':
    case 'cifar100': return loadCifarDataset(spec, options);
    case 'npy': return loadNpyDataset(spec, options);
    default: {
      const unknown: never = spec;
      throw new Error(`unknown data kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
    }
  }
}
