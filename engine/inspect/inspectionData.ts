// The batch an inspection (or the Invert view) runs on: a data spec, or by default the built-in MNIST digits
// for 28x28x1 models and a seeded random batch otherwise; normalised with the model's stored normalisation,
// else with the data's own training-split statistics (as training does).
import type { DataSpec } from '../../protocol/engineApi';
import { checkDatasetFitsModel, computeNormalization, loadDataset, type Dataset, type Split } from '../data';
import type { RevNetConfig } from '../model/config';

export interface HostBatch {
  /** NHWC, normalised */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** e.g. "mnist test split, images 0-31" */
  description: string;
}

export function defaultDataSpec(config: RevNetConfig, seed = 0): DataSpec {
  const { height, width, channels } = config.input;
  if (height === 28 && width === 28 && channels === 1) return { kind: 'mnist' };
  return { kind: 'random', count: 64, seed };
}

export interface InspectionData {
  dataset: Dataset;
  /** the split samples are taken from: the test split (held out) */
  split: Split;
  normalization: { mean: number[]; std: number[] };
  /** "mnist", "random(seed 3)", … */
  name: string;
}

export function loadInspectionData(config: RevNetConfig, spec: DataSpec | undefined, seed = 0): InspectionData {
  const chosen = spec ?? defaultDataSpec(config, seed);
  const dataset = loadDataset(chosen, { shape: config.input, classes: config.classes });
  checkDatasetFitsModel(dataset, config);
  const normalization = config.normalization ?? computeNormalization(dataset.train, dataset.channels);
  return { dataset, split: dataset.test, normalization, name: dataset.name };
}

/** samples first..first+count-1 of the split (fewer when the split is smaller), normalised */
export function hostBatch(data: InspectionData, first: number, count: number): HostBatch {
  const { dataset, split, normalization } = data;
  if (!Number.isInteger(first) || first < 0 || first >= split.count) {
    throw new Error(`${data.name}: sample ${first} does not exist (the test split has ${split.count} images, 0-${split.count - 1})`);
  }
  const size = Math.min(count, split.count - first);
  const pixels = dataset.height * dataset.width * dataset.channels;
  const images = new Float32Array(size * pixels);
  for (let i = 0; i < images.length; i++) {
    const c = i % dataset.channels;
    images[i] = ((split.images[first * pixels + i] as number) - (normalization.mean[c] as number)) / (normalization.std[c] as number);
  }
  const labels = split.labels.slice(first, first + size);
  return { images, labels, count: size, description: `${data.name}, test split, images ${first}-${first + size - 1}` };
}
