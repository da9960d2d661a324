// Which parameters each trunk step and the head read, in the order of weights.params.
import type { Architecture, TrunkStep } from '../model/architecture';
import { residualParamNames } from '../model/residual';

export function stepParamNames(step: TrunkStep): string[] {
  switch (step.kind) {
    case 'stem-conv':
      return ['stem.conv.weight'];
    case 'squeeze':
      return [];
    case 'reversible':
      return [...residualParamNames(step.f), ...residualParamNames(step.g)];
    case 'transition':
      return [
        ...residualParamNames(step.f),
        ...residualParamNames(step.g),
        ...(step.shortcut === 'projection' ? [`${step.id}.shortcut.weight`] : []),
      ];
  }
}

export function headParamNames(arch: Architecture): string[] {
  return [...arch.params.keys()].filter((name) => name.startsWith('head.'));
}

/** the unit (or "stem", "head") a parameter belongs to: "stage1.unit0.f.conv1.weight" → "stage1.unit0" */
export function ownerOfParam(name: string): string {
  const unit = /^(stage\d+\.unit\d+)\./.exec(name);
  if (unit !== null) return unit[1];
  return name.split('.')[0];
}
