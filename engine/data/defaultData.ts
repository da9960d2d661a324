// The one rule that picks data when the user names none (CLI `--data default` or no --data, the editor's
// `revnet.defaultData: auto`): the built-in digits when the model takes 28x28x1 images, else seeded random
// images of the model's shape. Real files (IDX, .npy, CIFAR) are used only when the user gives them.
import type { DataSpec } from '../../protocol/engineApi';

export interface ImageShape { height: number; width: number; channels: number }

/** what `{kind: 'default'}` means for a model with this input */
export function defaultDataFor(input: ImageShape, seed = 0, count = 64): Exclude<DataSpec, { kind: 'default' }> {
  if (input.height === 28 && input.width === 28 && input.channels === 1) return { kind: 'mnist' };
  return { kind: 'random', count, seed };
}

/** the spec itself, or the default rule's choice when it is `{kind: 'default'}` */
export function resolveDataSpec(spec: DataSpec, input: ImageShape, seed = 0, count = 64): Exclude<DataSpec, { kind: 'default' }> {
  return spec.kind === 'default' ? defaultDataFor(input, seed, count) : spec;
}

/** true when numbers computed on this data say nothing about real images */
export function isRandomData(spec: DataSpec): boolean {
  return spec.kind === 'random';
}
