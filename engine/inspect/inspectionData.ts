// The batch an inspection (or the Invert view) runs on: a data spec, or by default the built-in MNIST digits
// for 28x28x1 models and a seeded random batch otherwise; normalised with the model's stored normalisation,
// else with the data's own training-split statistics (as training does).
import type { DataSpec } from '../../protocol/engineApi';
import { checkDatasetFitsModel, computeNormalization, defaultDataFor, loadDataset, loadDatasetYielding, type Dataset, type LoadOptions, type Split } from '../data';
import type { RevNetConfig } from '../model/config';

export interface HostBatch {
  /** NHWC, normalised */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** e.g. "mnist test split, images 0-31" */
  description: string;
}

/** the built-in digits for 28x28x1 models, else random images: enough that the test split holds `batchSize` */
export function defaultDataSpec(config: RevNetConfig, seed = 0, batchSize = 16): DataSpec {
  return defaultDataFor(config.input, seed, Math.max(64, 4 * batchSize));
}

export interface InspectionData {
  dataset: Dataset;
  /** the split samples are taken from: the test split (held out) */
  split: Split;
  normalization: { mean: number[]; std: number[] };
  /** "mnist", "random(seed 3)", … */
  name: string;
}

export function loadInspectionData(config: RevNetConfig, spec: DataSpec | undefined, seed = 0, batchSize?: number, memoryLimitBytes?: number): InspectionData {
  const chosen = spec === undefined || spec.kind === 'default' ? defaultDataSpec(config, seed, batchSize) : spec;
  return inspectionDataOf(cachedDataset(chosen, config, memoryLimitBytes, (s, options) => loadDataset(s, options)), config);
}

/** loadInspectionData with `pause()` awaited between the chunks of a load (a cancel thrown there ends it) */
export async function loadInspectionDataYielding(
  config: RevNetConfig,
  spec: DataSpec | undefined,
  pause: () => Promise<void>,
  seed = 0,
  batchSize?: number,
  memoryLimitBytes?: number,
): Promise<InspectionData> {
  const chosen = spec === undefined || spec.kind === 'default' ? defaultDataSpec(config, seed, batchSize) : spec;
  const dataset = await cachedDataset(chosen, config, memoryLimitBytes, (s, options) => loadDatasetYielding(s, options, pause));
  return inspectionDataOf(dataset, config);
}

function inspectionDataOf(dataset: Dataset, config: RevNetConfig): InspectionData {
  checkDatasetFitsModel(dataset, config);
  const normalization = config.normalization ?? computeNormalization(dataset.train, dataset.channels);
  return { dataset, split: dataset.test, normalization, name: dataset.name };
}

// The panel's Invert view asks again for every edit: keep the last built-in or random data set (they never
// change); files are read afresh, as they may have changed.
let lastDataset: { key: string; dataset: Dataset } | undefined;

function cachedDataset<D extends Dataset | Promise<Dataset>>(
  spec: DataSpec,
  config: RevNetConfig,
  memoryLimitBytes: number | undefined,
  load: (spec: DataSpec, options: LoadOptions) => D,
): D | Dataset {
  const options = { shape: config.input, classes: config.classes };
  const withLimit = memoryLimitBytes === undefined ? options : { ...options, memoryLimitBytes };
  if (spec.kind !== 'mnist' && spec.kind !== 'random') return load(spec, withLimit);
  const key = JSON.stringify([spec, options]);
  if (lastDataset?.key === key) return lastDataset.dataset;
  const loaded = load(spec, withLimit);
  if (loaded instanceof Promise) {
    return loaded.then((dataset) => {
      lastDataset = { key, dataset };
      return dataset;
    }) as D;
  }
  lastDataset = { key, dataset: loaded };
  return loaded;
}

/**
 * samples first..first+count-1 of the test split, normalised; the training split when the test split is too
 * small for the batch; fewer samples when that one is too small as well
 */
export function hostBatch(data: InspectionData, first: number, count: number): HostBatch {
  const { dataset, normalization } = data;
  const useTrain = data.split.count < first + count && dataset.train.count > data.split.count;
  const split = useTrain ? dataset.train : data.split;
  const which = useTrain ? 'training' : 'test';
  if (!Number.isInteger(first) || first < 0 || first >= split.count) {
    throw new Error(`${data.name}: sample ${first} does not exist (the ${which} split has ${split.count} images, 0-${split.count - 1})`);
  }
  const size = Math.min(count, split.count - first);
  const pixels = dataset.height * dataset.width * dataset.channels;
  const images = new Float32Array(size * pixels);
  for (let i = 0; i < images.length; i++) {
    const c = i % dataset.channels;
    images[i] = (split.images[first * pixels + i] - normalization.mean[c]) / normalization.std[c];
  }
  const labels = split.labels.slice(first, first + size);
  return { images, labels, count: size, description: `${data.name}, ${which} split, images ${first}-${first + size - 1}` };
}
