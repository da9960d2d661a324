// Data from .npy arrays: images [N, H, W, C] (NHWC, default), [N, C, H, W] (layout NCHW) or [N, H, W];
// uint8 (divided by 255) or float32/float64 (kept); labels [N] of integers.
import { FileFormatError } from '../io/fileFormatError';
import { readNpy } from '../io/npy';
import { labelsToInt32, maxLabel, nchwToNhwc, pixelsToFloatSteps } from './convert';
import { runToEnd, type Stepwise } from '../util/stepwise';
import { holdOut } from './holdOut';
import type { Dataset, LoadOptions, Split } from './types';
import { UNLIMITED, type DataBudget } from './dataBudget';

interface ImageFile { split: Split; height: number; width: number; channels: number }

function* readImagesAndLabels(imagesPath: string, labelsPath: string, layout: 'NHWC' | 'NCHW', budget: DataBudget, classes?: number): Stepwise<ImageFile> {
  const images = readNpy(imagesPath, (header) => budget.takeArray(imagesPath, header.count, header.bytesPerElement));
  yield;
  const labels = readNpy(labelsPath, (header) => budget.takeArray(labelsPath, header.count, header.bytesPerElement));
  if (images.dtype !== 'uint8' && images.dtype !== 'float32' && images.dtype !== 'float64') {
    throw new FileFormatError(imagesPath, `images are ${images.dtype}; expected uint8, float32 or float64`);
  }
  let count: number, height: number, width: number, channels: number;
  if (images.shape.length === 3) {
    [count, height, width] = images.shape as [number, number, number];
    channels = 1;
  } else if (images.shape.length === 4) {
    if (layout === 'NHWC') [count, height, width, channels] = images.shape as [number, number, number, number];
    else [count, channels, height, width] = images.shape as [number, number, number, number];
  } else {
    throw new FileFormatError(imagesPath, `images have shape (${images.shape.join(', ')}); expected (N, H, W, C), (N, C, H, W) with layout NCHW, or (N, H, W)`);
  }
  if (height === 0 || width === 0 || channels === 0) throw new FileFormatError(imagesPath, `images have an empty dimension: shape (${images.shape.join(', ')})`);
  if (labels.shape.length !== 1) throw new FileFormatError(labelsPath, `labels have shape (${labels.shape.join(', ')}); expected (N,) integers (not one-hot)`);
  if (labels.dtype === 'float32' || labels.dtype === 'float64') throw new FileFormatError(labelsPath, `labels are ${labels.dtype}; expected integers (uint8, int32 or int64)`);
  if (labels.shape[0] !== count) throw new FileFormatError(labelsPath, `has ${labels.shape[0]} labels but ${imagesPath} has ${count} images`);
  let pixels = yield* pixelsToFloatSteps(images.data as Uint8Array | Float32Array | Float64Array, imagesPath);
  if (layout === 'NCHW' && images.shape.length === 4) pixels = nchwToNhwc(pixels, count, channels, height, width);
  const split: Split = { images: pixels, labels: labelsToInt32(labels.data as Uint8Array | Int32Array | BigInt64Array, labelsPath, classes), count };
  return { split, height, width, channels };
}

interface NpySpec { images: string; labels: string; layout?: 'NHWC' | 'NCHW'; testImages?: string; testLabels?: string }

export function loadNpyDataset(spec: NpySpec, options: LoadOptions = {}, budget = UNLIMITED()): Dataset {
  return runToEnd(npyDatasetSteps(spec, options, budget));
}

/** loadNpyDataset, yielding after each file read and every CHUNK values converted */
export function* npyDatasetSteps(spec: NpySpec, options: LoadOptions = {}, budget = UNLIMITED()): Stepwise<Dataset> {
  const layout = spec.layout ?? 'NHWC';
  const train = yield* readImagesAndLabels(spec.images, spec.labels, layout, budget, options.classes);
  let test: ImageFile;
  if (spec.testImages !== undefined || spec.testLabels !== undefined) {
    if (spec.testImages === undefined || spec.testLabels === undefined) throw new Error('npy data: give both test images and test labels, or neither');
    test = yield* readImagesAndLabels(spec.testImages, spec.testLabels, layout, budget, options.classes);
    if (test.height !== train.height || test.width !== train.width || test.channels !== train.channels) {
      throw new FileFormatError(spec.testImages, `images are ${test.height}x${test.width}x${test.channels} but the training images (${spec.images}) are ${train.height}x${train.width}x${train.channels}`);
    }
  } else {
    const parts = holdOut(train.split, train.height * train.width * train.channels, options.holdOutFraction, spec.images);
    train.split = parts.train;
    test = { ...train, split: parts.test };
  }
  const classes = options.classes ?? Math.max(maxLabel(train.split.labels), maxLabel(test.split.labels)) + 1;
  return { name: `npy ${spec.images}`, train: train.split, test: test.split, classes, height: train.height, width: train.width, channels: train.channels };
}
