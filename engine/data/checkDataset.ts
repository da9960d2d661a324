// The last check before training: a data set that is consistent in itself, and one that fits a model.
import type { Dataset, Split } from './types';

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

const dataLoadFailures = new WeakSet();

/** Marks an error raised while loading data (a malformed file, a missing one), keeping its own type, so that
 *  the server answers it with the data error code and the editor names the setting that picks the data. */
export function markDataError(error: object): void {
  dataLoadFailures.add(error);
}

export function isDataError(error: unknown): boolean {
  return error instanceof DatasetError || (typeof error === 'object' && error !== null && dataLoadFailures.has(error));
}

function checkSplit(dataset: Dataset, which: 'train' | 'test', split: Split): void {
  const where = `${dataset.name}, ${which} split`;
  const pixels = dataset.height * dataset.width * dataset.channels;
  if (!Number.isSafeInteger(split.count) || split.count < 1) throw new DatasetError(`${where}: has ${split.count} images`);
  if (split.labels.length !== split.count) throw new DatasetError(`${where}: ${split.labels.length} labels for ${split.count} images`);
  if (split.images.length !== split.count * pixels) {
    throw new DatasetError(`${where}: ${split.images.length} pixel values, expected ${split.count} images x ${dataset.height}x${dataset.width}x${dataset.channels} = ${split.count * pixels}`);
  }
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    if (label < 0 || label >= dataset.classes) throw new DatasetError(`${where}: label ${i} is ${label}, outside 0-${dataset.classes - 1}`);
  }
  for (let i = 0; i < split.images.length; i++) {
    if (!Number.isFinite(split.images[i])) throw new DatasetError(`${where}: pixel value ${i} is ${split.images[i]}`);
  }
}

/** Counts agree, labels are within the classes, train and test share one image shape (by construction), values finite. */
export function checkDataset(dataset: Dataset): void {
  for (const dim of ['height', 'width', 'channels', 'classes'] as const) {
    if (!Number.isSafeInteger(dataset[dim]) || dataset[dim] < 1) throw new DatasetError(`${dataset.name}: ${dim} is ${dataset[dim]}`);
  }
  checkSplit(dataset, 'train', dataset.train);
  checkSplit(dataset, 'test', dataset.test);
}

/** The data's image shape and classes against a model's input and classes. */
export function checkDatasetFitsModel(
  dataset: Dataset,
  model: { name: string; input: { height: number; width: number; channels: number }; classes: number },
): void {
  const { height, width, channels } = model.input;
  if (dataset.height !== height || dataset.width !== width || dataset.channels !== channels) {
    throw new DatasetError(`${dataset.name}: images are ${dataset.height}x${dataset.width}x${dataset.channels} but model "${model.name}" takes ${height}x${width}x${channels}`);
  }
  if (dataset.classes > model.classes) {
    throw new DatasetError(`${dataset.name}: has ${dataset.classes} classes but model "${model.name}" has ${model.classes}`);
  }
}
