// Which tensor of the user's state_dict is which tensor of ours: by the rules of a mapping file
// (regular expressions over the user's names), or by state_dict order and shapes. Order is needed:
// F and G of a unit have the same shapes. Every problem names tensors as they are in the user's file,
// with shapes in the user's (PyTorch) layout.
import { readFileSync } from 'node:fs';
import type { Tensor } from '../io/safetensors';
import { ROLE_SUFFIX, type TorchTarget } from './torchTargets';

export interface SourceTensor {
  name: string;
  tensor: Tensor;
}

export interface MappedPair {
  source: SourceTensor;
  target: TorchTarget;
}

export interface Mapping {
  pairs: MappedPair[];
  /** tensors of the user's file left out on purpose, with why */
  ignored: { name: string; reason: string }[];
  /** how the names were matched, for the output */
  method: string;
}

export interface MappingRule {
  /** matched against the whole name */
  from: RegExp;
  /** the PyTorch-style name of ours ($1, ${1+4} for groups); null: leave the tensor out */
  to: string | null;
}

export class ImportError extends Error {}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A mapping file: {"rules": [{"from": "REGEX", "to": "stage1.unit$1.f.bn1.weight" | null}, ...]} */
export function readMappingFile(path: string): MappingRule[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ImportError(`${path}: not a readable JSON mapping file (${error instanceof Error ? error.message : String(error)})`);
  }
  const rules = (value as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules) || rules.length === 0) throw new ImportError(`${path}: expected {"rules": [{"from": "REGEX", "to": "NAME"}, ...]}`);
  return rules.map((rule: unknown, index) => {
    const { from, to } = (rule ?? {}) as { from?: unknown; to?: unknown };
    if (typeof from !== 'string' || (typeof to !== 'string' && to !== null)) {
      throw new ImportError(`${path}: rules[${index}] needs "from" (a regular expression) and "to" (a name, or null to leave the tensor out)`);
    }
    try {
      return { from: new RegExp(`^(?:${from})$`), to };
    } catch (error) {
      throw new ImportError(`${path}: rules[${index}].from is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
    }
  });
}

/** "$2" and "${1+4}" / "${1-1}" (a numeric group plus or minus a constant) in a rule's "to" */
export function expandReplacement(to: string, groups: readonly (string | undefined)[]): string {
  return to.replace(/\$\{(\d+)([+-]\d+)?\}|\$(\d+)/g, (_, braced: string | undefined, offset: string | undefined, plain: string | undefined) => {
    const group = groups[Number(braced ?? plain)] ?? '';
    if (offset === undefined) return group;
    const value = Number(group);
    if (!Number.isInteger(value)) throw new ImportError(`rule "${to}": group ${braced ?? ''} is "${group}", not a number to add ${offset} to`);
    return String(value + Number(offset));
  });
}

/** BatchNorm counters are not weights. */
function isCounter(name: string): boolean {
  return name.endsWith('num_batches_tracked');
}

export function mapByRules(sources: SourceTensor[], targets: TorchTarget[], rules: MappingRule[], file: string, hint?: string): Mapping {
  const byName = new Map(targets.map((t) => [t.torchName, t]));
  const pairs: MappedPair[] = [];
  const ignored: Mapping['ignored'] = [];
  const problems: string[] = [];
  for (const source of sources) {
    if (isCounter(source.name)) {
      ignored.push({ name: source.name, reason: 'BatchNorm counter' });
      continue;
    }
    const rule = rules.find((r) => r.from.test(source.name));
    if (rule === undefined) {
      problems.push(`"${source.name}" ${shapeText(source.tensor.shape)}: no rule matches it (add one, or one with "to": null to leave it out)`);
      continue;
    }
    if (rule.to === null) {
      ignored.push({ name: source.name, reason: `rule ${rule.from.source}` });
      continue;
    }
    const groups = rule.from.exec(source.name) ?? [];
    const name = expandReplacement(rule.to, [...groups]);
    const target = byName.get(name);
    if (target === undefined) {
      problems.push(`"${source.name}" ${shapeText(source.tensor.shape)} maps to "${name}", which this config does not have`);
      continue;
    }
    pairs.push({ source, target });
  }
  return finish({ pairs, ignored, method: 'by the rules of the mapping file' }, targets, problems, file, false, hint);
}

export function mapByOrder(sources: SourceTensor[], targets: TorchTarget[], file: string, hint?: string): Mapping {
  const ignored: Mapping['ignored'] = [];
  const kept = sources.filter((source) => {
    if (!isCounter(source.name)) return true;
    ignored.push({ name: source.name, reason: 'BatchNorm counter' });
    return false;
  });
  if (kept.length !== targets.length) {
    const more = kept.length > targets.length;
    const lines = [
      `${file} holds ${kept.length} weight tensors (not counting num_batches_tracked); the config needs ${targets.length}.`,
      ...(hint !== undefined ? [hint] : []),
      more
        ? `Tensors of the file beyond the config's: ${kept.slice(targets.length).slice(0, 8).map((s) => `"${s.name}" ${shapeText(s.tensor.shape)}`).join(', ')}`
        : `The config's tensors left without one: ${targets.slice(kept.length).slice(0, 8).map((t) => `${t.torchName} ${shapeText(t.torchShape)}`).join(', ')}`,
    ];
    const firstMismatch = kept.findIndex((s, i) => i < targets.length && !sameShape(s.tensor.shape, (targets[i]).torchShape));
    if (firstMismatch >= 0) {
      const s = kept[firstMismatch];
      const t = targets[firstMismatch];
      lines.push(`The first place where order and shapes disagree: tensor #${firstMismatch} "${s.name}" ${shapeText(s.tensor.shape)}, where the config expects ${t.torchName} ${shapeText(t.torchShape)}.`);
    }
    throw new ImportError(lines.join('\n  '));
  }
  const pairs = kept.map((source, i) => ({ source, target: targets[i] }));
  return finish({ pairs, ignored, method: 'by state_dict order and shapes' }, targets, [], file, true, hint);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function finish(mapping: Mapping, targets: TorchTarget[], problems: string[], file: string, byOrder: boolean, hint?: string): Mapping {
  const filled = new Map<string, string>();
  for (const { source, target } of mapping.pairs) {
    const shape = source.tensor.shape;
    const previous = filled.get(target.torchName);
    if (previous !== undefined) problems.push(`"${source.name}" and "${previous}" both map to ${target.torchName}`);
    filled.set(target.torchName, source.name);
    if (!sameShape(shape, target.torchShape)) {
      const layout = target.role === 'conv' ? ' (OIHW)' : target.role === 'linear' ? ' ([out, in])' : '';
      problems.push(`"${source.name}" has shape ${shapeText(shape)}; as ${target.torchName} it needs ${shapeText(target.torchShape)}${layout}`);
    }
    if (byOrder && !source.name.endsWith(ROLE_SUFFIX[target.role])) {
      problems.push(`"${source.name}" ${shapeText(shape)} comes where the config has ${target.torchName} (a ${target.role}), but its name does not end in "${ROLE_SUFFIX[target.role]}"`);
    }
    if (source.tensor.dtype !== 'F32' && source.tensor.dtype !== 'F64' && source.tensor.dtype !== 'F16' && source.tensor.dtype !== 'BF16') {
      problems.push(`"${source.name}" has dtype ${source.tensor.dtype}; weights must be floating point`);
    }
  }
  for (const target of targets) {
    if (!filled.has(target.torchName)) problems.push(`nothing in ${file} maps to ${target.torchName} ${shapeText(target.torchShape)}`);
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, 30);
    if (problems.length > listed.length) listed.push(`... and ${problems.length - listed.length} more`);
    throw new ImportError(`${file}: the tensors do not fit the config ${mapping.method} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${[...listed, ...(hint !== undefined ? [hint] : [])].join('\n  ')}`);
  }
  return mapping;
}
