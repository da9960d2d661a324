// The tensors a config needs, named and shaped as PyTorch would hold them (the names of
// docs/pytorch-import.md: `stage1.unit0.f.bn1.weight`, conv weights OIHW, linear weights [out, in]),
// in PyTorch's state_dict order: module by module in network order, each module's parameters then
// its buffers (BatchNorm: weight, bias, running_mean, running_var).
import { describeArchitecture } from '../model/architecture';
import type { RevNetConfig } from '../model/config';

export type TensorRole = 'conv' | 'linear' | 'bias' | 'bn-weight' | 'bn-bias' | 'bn-mean' | 'bn-var';

export interface TorchTarget {
  /** PyTorch-style name, e.g. "stage1.unit0.f.conv1.weight" */
  torchName: string;
  /** the shape in PyTorch's layout */
  torchShape: number[];
  /** this project's name and shape */
  ourName: string;
  ourShape: number[];
  role: TensorRole;
}

/** the last part of a PyTorch name each role has (what a state_dict key ends with) */
export const ROLE_SUFFIX: Record<TensorRole, string> = {
  conv: 'weight',
  linear: 'weight',
  bias: 'bias',
  'bn-weight': 'weight',
  'bn-bias': 'bias',
  'bn-mean': 'running_mean',
  'bn-var': 'running_var',
};

export function torchTargets(config: RevNetConfig): TorchTarget[] {
  const arch = describeArchitecture(config);
  const targets: TorchTarget[] = [];
  for (const [name, shape] of arch.params) {
    const dot = name.lastIndexOf('.');
    const prefix = name.slice(0, dot);
    const last = name.slice(dot + 1);
    if (last === 'beta') continue; // emitted with its gamma
    if (last === 'gamma') {
      const channels = shape[0];
      targets.push(
        { torchName: `${prefix}.weight`, torchShape: [channels], ourName: name, ourShape: [channels], role: 'bn-weight' },
        { torchName: `${prefix}.bias`, torchShape: [channels], ourName: `${prefix}.beta`, ourShape: [channels], role: 'bn-bias' },
        { torchName: `${prefix}.running_mean`, torchShape: [channels], ourName: `${prefix}.mean`, ourShape: [channels], role: 'bn-mean' },
        { torchName: `${prefix}.running_var`, torchShape: [channels], ourName: `${prefix}.variance`, ourShape: [channels], role: 'bn-var' },
      );
      continue;
    }
    if (shape.length === 4) {
      const [h, w, i, o] = shape as [number, number, number, number];
      targets.push({ torchName: name, torchShape: [o, i, h, w], ourName: name, ourShape: [...shape], role: 'conv' });
    } else if (shape.length === 2) {
      const [i, o] = shape as [number, number];
      targets.push({ torchName: name, torchShape: [o, i], ourName: name, ourShape: [...shape], role: 'linear' });
    } else {
      targets.push({ torchName: name, torchShape: [...shape], ourName: name, ourShape: [...shape], role: 'bias' });
    }
  }
  return targets;
}
