// CIFAR-10 / CIFAR-100 binary batches (data_batch_1.bin ... test_batch.bin; train.bin, test.bin).
import { readCifar, CIFAR_SIDE, type CifarKind } from '../io/cifar';
import { pixelsToFloatSteps } from './convert';
import { runToEnd, type Stepwise } from '../util/stepwise';
import { holdOut } from './holdOut';
import type { Dataset, LoadOptions, Split } from './types';
import { UNLIMITED, type DataBudget } from './dataBudget';
import { statSync } from 'node:fs';

const PIXELS = CIFAR_SIDE * CIFAR_SIDE * 3;

function* readBatches(files: string[], kind: CifarKind, budget: DataBudget): Stepwise<Split> {
  if (files.length === 0) throw new Error(`${kind} data: no files given`);
  // a record is one label byte (two for CIFAR-100) and its pixel bytes: from the file's size, before reading it
  for (const file of files) budget.takeArray(file, fileSize(file), 1);
  const batches: { file: string; batch: ReturnType<typeof readCifar> }[] = [];
  for (const file of files) {
    batches.push({ file, batch: readCifar(file, kind) });
    yield;
  }
  const count = batches.reduce((sum, { batch }) => sum + batch.count, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let n = 0;
  for (const { file, batch } of batches) {
    images.set(yield* pixelsToFloatSteps(batch.images, file), n * PIXELS);
    labels.set(batch.labels, n);
    n += batch.count;
  }
  return { images, labels, count };
}

interface CifarSpec { kind: CifarKind; files: string[]; testFiles?: string[] }

export function loadCifarDataset(spec: CifarSpec, options: LoadOptions = {}, budget = UNLIMITED()): Dataset {
  return runToEnd(cifarDatasetSteps(spec, options, budget));
}

/** loadCifarDataset, yielding after each file read and every CHUNK values converted */
export function* cifarDatasetSteps(spec: CifarSpec, options: LoadOptions = {}, budget = UNLIMITED()): Stepwise<Dataset> {
  const classes = spec.kind === 'cifar10' ? 10 : 100;
  let train = yield* readBatches(spec.files, spec.kind, budget);
  let test: Split;
  if (spec.testFiles !== undefined && spec.testFiles.length > 0) {
    test = yield* readBatches(spec.testFiles, spec.kind, budget);
  } else {
    ({ train, test } = holdOut(train, PIXELS, options.holdOutFraction, spec.files.join(', ')));
  }
  return { name: `${spec.kind} ${spec.files.join(', ')}`, train, test, classes, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3 };
}

/** the file's size in bytes; 0 when it cannot be read (readCifar then says why) */
function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
