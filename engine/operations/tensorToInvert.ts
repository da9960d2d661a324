// One rule for a .npy the user asks to invert, shared by the palette's Invert Tensor… (EngineOperations.invert)
// and the panel's "Invert a .npy file…" (EngineOperations.explore): it holds either a batch of outputs of the
// part inverted from (N, H, W, C, or one without N), or one image of the model's input shape (H, W, C or
// 1, H, W, C), which goes forward to that part first. The same checks (header shape, dtype, non-finite values)
// and the same messages for both.
import type * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from '../io/fileFormatError';
import { readNpyHeader } from '../io/npy';
import { readBatch } from './tensorFiles';

export type InvertInputKind = 'outputs' | 'image';

export interface InversionShapes {
  modelName: string;
  /** the model's input (H, W, C) */
  image: readonly number[];
  /** the output of the part inverted from (H, W, C), e.g. the trunk's */
  output: readonly number[];
  /** that part, for messages ("the trunk", "stage2") */
  outputName: string;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** which of the two a file's declared shape is; a shape that is both (a trunk that keeps the image's shape) is outputs */
export function inversionInputKind(path: string, declared: readonly number[], shapes: InversionShapes): InvertInputKind {
  const { image, output } = shapes;
  if (same(declared, output) || (declared.length === output.length + 1 && (declared[0] ?? 0) > 0 && same(declared.slice(1), output))) return 'outputs';
  if (same(declared, image) || (declared.length === image.length + 1 && declared[0] === 1 && same(declared.slice(1), image))) return 'image';
  throw new FileFormatError(
    path,
    `has shape (${declared.join(', ')}); model "${shapes.modelName}" inverts either a batch of outputs of ${shapes.outputName}, ` +
      `shape (N, ${output.join(', ')}), or one image, shape (${image.join(', ')}) or (1, ${image.join(', ')}) (NHWC)`,
  );
}

export interface ReadOptions {
  /** from the header, before the data is read: the batch size (e.g. for the memory limit) */
  beforeAllocating?: (batch: number) => void;
  nonFinite?: { allow: boolean; found?: number };
  /** multiplies every value; required for integers */
  scale?: number;
}

/** the file's tensor (N, H, W, C) and what it holds; the caller disposes the tensor */
export function readTensorToInvert(path: string, shapes: InversionShapes, options: ReadOptions = {}): { kind: InvertInputKind; tensor: tf.Tensor4D } {
  const kind = inversionInputKind(path, readNpyHeader(path).shape, shapes);
  const what = kind === 'outputs' ? `a batch of outputs of ${shapes.outputName}` : `an image of model "${shapes.modelName}"`;
  const tensor = readBatch(path, kind === 'outputs' ? shapes.output : shapes.image, what, options.beforeAllocating, options.nonFinite, options.scale);
  return { kind, tensor };
}
