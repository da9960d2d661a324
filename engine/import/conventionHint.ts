// The convention that would make a state_dict's tensor count fit a config, said in the error.
import type { RevNetConfig } from '../model/config';
import { torchTargets } from './torchTargets';

/** What to say when the counts would fit with the other setting of conventions.firstUnitBatchNorm. */
export function conventionHint(config: RevNetConfig, sourceCount: number): string | undefined {
  const first = config.conventions?.firstUnitBatchNorm ?? false;
  const other = torchTargets({ ...config, conventions: { ...config.conventions, firstUnitBatchNorm: !first } });
  if (other.length !== sourceCount) return undefined;
  return first
    ? 'With "conventions": {"firstUnitBatchNorm": false} the counts would match: your first unit\'s F seems to start with its convolution.'
    : 'With "conventions": {"firstUnitBatchNorm": true} the counts would match: your first unit\'s F seems to start with BatchNorm-ReLU like every other F (memcnn-style). Set it in the config; dropping those tensors would give a model that computes something else.';
}
