// The `--data SPEC` syntax of the command line, turned into a DataSpec:
//   default                                           the engine's rule: digits for 28x28x1 models, else random
//   mnist                                             the built-in digits
//   random:count=N[,seed=S]                           random images (tests)
//   idx:images=FILE,labels=FILE[,test-images=FILE,test-labels=FILE]       MNIST/Fashion-MNIST IDX (plain or .gz)
//   npy:images=FILE,labels=FILE[,layout=NHWC|NCHW][,test-images=FILE,test-labels=FILE]
//   cifar10:file=FILE[,file=FILE...][,test-file=FILE...]   (also cifar100)
// Paths may not contain commas.
import type { DataSpec } from '../../protocol/engineApi';

export const DATA_SPEC_HELP =
  'default (built-in digits for 28x28x1 models, else random images) | mnist (built-in digits) | idx:images=F,labels=F[,test-images=F,test-labels=F] | npy:images=F,labels=F[,layout=NCHW][,test-images=F,test-labels=F] | cifar10:file=F[,file=F..][,test-file=F] | cifar100:… | random:count=N[,seed=S]';

export class DataSpecError extends Error {}

function fields(text: string, spec: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (text === '') return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new DataSpecError(`--data "${spec}": "${part}" is not KEY=VALUE`);
    const key = part.slice(0, eq).trim();
    out.set(key, [...(out.get(key) ?? []), part.slice(eq + 1)]);
  }
  return out;
}

export function parseDataSpec(spec: string): DataSpec {
  const colon = spec.indexOf(':');
  const kind = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const map = fields(colon < 0 ? '' : spec.slice(colon + 1), spec);
  const used = new Set<string>();
  const one = (key: string, required: boolean): string | undefined => {
    used.add(key);
    const values = map.get(key);
    if (values === undefined || values.length === 0) {
      if (required) throw new DataSpecError(`--data "${spec}": ${kind} needs ${key}=…`);
      return undefined;
    }
    if (values.length > 1) throw new DataSpecError(`--data "${spec}": ${key} is given ${values.length} times`);
    return values[0];
  };
  const int = (key: string, required: boolean): number | undefined => {
    const text = one(key, required);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new DataSpecError(`--data "${spec}": ${key} must be a whole number, got "${text}"`);
    return value;
  };
  let result: DataSpec;
  switch (kind) {
    case 'default':
    case 'mnist':
      result = { kind };
      break;
    case 'random': {
      result = { kind: 'random', count: int('count', true) as number };
      const seed = int('seed', false);
      if (seed !== undefined) result.seed = seed;
      break;
    }
    case 'idx':
    case 'npy': {
      const base = { images: one('images', true) as string, labels: one('labels', true) as string };
      const testImages = one('test-images', false);
      const testLabels = one('test-labels', false);
      if ((testImages === undefined) !== (testLabels === undefined)) throw new DataSpecError(`--data "${spec}": give both test-images and test-labels, or neither`);
      if (kind === 'idx') {
        result = { kind, ...base };
      } else {
        result = { kind, ...base };
        const layout = one('layout', false);
        if (layout !== undefined) {
          if (layout !== 'NHWC' && layout !== 'NCHW') throw new DataSpecError(`--data "${spec}": layout must be NHWC or NCHW, got "${layout}"`);
          result.layout = layout;
        }
      }
      if (testImages !== undefined && testLabels !== undefined) {
        result.testImages = testImages;
        result.testLabels = testLabels;
      }
      break;
    }
    case 'cifar10':
    case 'cifar100': {
      used.add('file');
      used.add('test-file');
      const files = map.get('file') ?? [];
      if (files.length === 0) throw new DataSpecError(`--data "${spec}": ${kind} needs at least one file=…`);
      result = { kind, files };
      const testFiles = map.get('test-file');
      if (testFiles !== undefined) result.testFiles = testFiles;
      break;
    }
    default:
      throw new DataSpecError(`--data "${spec}": unknown kind "${kind}"; expected ${DATA_SPEC_HELP}`);
  }
  for (const key of map.keys()) if (!used.has(key)) throw new DataSpecError(`--data "${spec}": unknown key "${key}" for ${kind}`);
  return result;
}
