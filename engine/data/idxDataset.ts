// MNIST-style data from IDX files (plain or gzip): images [N, H, W] or [N, H, W, C], labels [N].
import { FileFormatError } from '../io/fileFormatError';
import { readIdxSteps, type IdxArray } from '../io/idx';
import { labelsToInt32, pixelsToFloatSteps, type IntegerArray } from './convert';
import { runToEnd, type Stepwise } from '../util/stepwise';
import { holdOut } from './holdOut';
import type { Dataset, LoadOptions, Split } from './types';
import { UNLIMITED, type DataBudget } from './dataBudget';

interface ImageFile { split: Split; height: number; width: number; channels: number }

function* readImagesAndLabels(imagesPath: string, labelsPath: string, classes: number, budget: DataBudget): Stepwise<ImageFile> {
  const images = yield* readIdxSteps(imagesPath, (header) => budget.takeArray(imagesPath, header.count, header.bytesPerElement));
  yield;
  const labels = yield* readIdxSteps(labelsPath, (header) => budget.takeArray(labelsPath, header.count, header.bytesPerElement));
  const shape = imageShape(images, imagesPath);
  if (labels.shape.length !== 1) throw new FileFormatError(labelsPath, `labels have shape [${labels.shape.join(', ')}]; expected one dimension [N]`);
  if (labels.dtype === 'float32' || labels.dtype === 'float64') throw new FileFormatError(labelsPath, `labels are ${labels.dtype}; expected integers`);
  const count = images.shape[0];
  if (labels.shape[0] !== count) {
    throw new FileFormatError(labelsPath, `has ${labels.shape[0]} labels but ${imagesPath} has ${count} images`);
  }
  if (images.dtype !== 'uint8' && images.dtype !== 'float32' && images.dtype !== 'float64') {
    throw new FileFormatError(imagesPath, `images are ${images.dtype}; expected uint8 (or float32/float64)`);
  }
  const split: Split = {
    images: yield* pixelsToFloatSteps(images.data as Uint8Array | Float32Array | Float64Array, imagesPath),
    labels: labelsToInt32(labels.data as IntegerArray, labelsPath, classes),
    count,
  };
  return { split, ...shape };
}

function imageShape(images: IdxArray, file: string): { height: number; width: number; channels: number } {
  const [, height, width, channels = 1] = images.shape;
  if ((images.shape.length !== 3 && images.shape.length !== 4) || height === 0 || width === 0 || channels === 0) {
    throw new FileFormatError(file, `images have shape [${images.shape.join(', ')}]; expected [N, H, W] or [N, H, W, C]`);
  }
  return { height: height, width: width, channels };
}

interface IdxSpec { images: string; labels: string; testImages?: string; testLabels?: string }

export function loadIdxDataset(spec: IdxSpec, options: LoadOptions = {}, budget = UNLIMITED()): Dataset {
  return runToEnd(idxDatasetSteps(spec, options, budget));
}

/** loadIdxDataset, yielding after each file read and every CHUNK values converted */
export function* idxDatasetSteps(spec: IdxSpec, options: LoadOptions = {}, budget = UNLIMITED()): Stepwise<Dataset> {
  const classes = options.classes ?? 10;
  const train = yield* readImagesAndLabels(spec.images, spec.labels, classes, budget);
  let test: ImageFile;
  if (spec.testImages !== undefined || spec.testLabels !== undefined) {
    if (spec.testImages === undefined || spec.testLabels === undefined) throw new Error('IDX data: give both test images and test labels, or neither');
    test = yield* readImagesAndLabels(spec.testImages, spec.testLabels, classes, budget);
    if (test.height !== train.height || test.width !== train.width || test.channels !== train.channels) {
      throw new FileFormatError(spec.testImages, `images are ${test.height}x${test.width}x${test.channels} but the training images (${spec.images}) are ${train.height}x${train.width}x${train.channels}`);
    }
  } else {
    const parts = holdOut(train.split, train.height * train.width * train.channels, options.holdOutFraction, spec.images);
    train.split = parts.train;
    test = { ...train, split: parts.test };
  }
  return { name: `idx ${spec.images}`, train: train.split, test: test.split, classes, height: train.height, width: train.width, channels: train.channels };
}
