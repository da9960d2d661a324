// The per-block measures the Architecture view can color by, read generically from the report's block fields:
// every number at the top of a block or one object down (reconstruction.maxAbs, memory.storedBytes, and any
// field a newer engine adds, e.g. stability.*), plus two derived ones (1 − cosine, bytes saved). Pure.
import type { BlockStats } from '../../protocol/inspectReport';
import { formatBytes, formatCount, formatError, formatFlops } from '../../shared/format';

export type MeasureUnit = 'error' | 'bytes' | 'count' | 'flops' | 'plain';

export interface Measure {
  /** the field's path in a block ("reconstruction.chainMaxAbs"), or a derived key ("gradient.cosine:1-x") */
  key: string;
  label: string;
  unit: MeasureUnit;
  value(block: BlockStats): number | undefined;
}

/** block fields that are identity or shape, not measures */
const NOT_MEASURES = new Set(['stage', 'unit', 'index']);

const KNOWN: Partial<Record<string, { label: string; unit: MeasureUnit }>> = {
  'reconstruction.maxAbs': { label: 'One-block error, max |x − x̂|', unit: 'error' },
  'reconstruction.relL2': { label: 'One-block error, relative L2', unit: 'error' },
  'reconstruction.chainMaxAbs': { label: 'Chain error, max |x − x̂|', unit: 'error' },
  'reconstruction.chainRelL2': { label: 'Chain error, relative L2', unit: 'error' },
  'gradient.relErr': { label: 'Gradient relative error', unit: 'error' },
  'gradient.cosine': { label: 'Gradient cosine', unit: 'plain' },
  'gradient.cosine:1-x': { label: 'Gradient 1 − cosine', unit: 'error' },
  'memory.storedBytes': { label: 'Bytes stored (standard backprop)', unit: 'bytes' },
  'memory.reversibleBytes': { label: 'Bytes kept (reversible backprop)', unit: 'bytes' },
  'memory.storedBytes-reversibleBytes': { label: 'Bytes saved (stored − kept)', unit: 'bytes' },
  params: { label: 'Parameters', unit: 'count' },
  flops: { label: 'FLOPs per example', unit: 'flops' },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function read(block: BlockStats, path: string[]): number | undefined {
  let value: unknown = block;
  for (const part of path) {
    if (!isRecord(value)) return undefined;
    value = value[part];
  }
  return typeof value === 'number' ? value : undefined;
}

/** "stability.inverseLipschitz" → "Stability: inverse lipschitz" */
function labelOf(path: string[]): string {
  const words = (text: string) => text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  const first = path.at(0);
  const rest = path.slice(1);
  const head = words(first ?? '');
  const capital = head.charAt(0).toUpperCase() + head.slice(1);
  return rest.length === 0 ? capital : `${capital}: ${rest.map(words).join(' ')}`;
}

function unitOf(path: string[]): MeasureUnit {
  const name = (path[path.length - 1] ?? '').toLowerCase();
  if (name.includes('bytes')) return 'bytes';
  if (name.includes('flops')) return 'flops';
  if (/err|error|abs|l2|drift/.test(name)) return 'error';
  return 'plain';
}

/** every numeric field path found in any block, in first-seen order */
function numericPaths(blocks: readonly BlockStats[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const block of blocks) {
    for (const [key, value] of Object.entries(block)) {
      if (NOT_MEASURES.has(key)) continue;
      if (typeof value === 'number') seen.set(key, [key]);
      else if (isRecord(value)) {
        for (const [inner, innerValue] of Object.entries(value)) {
          if (typeof innerValue === 'number' && !NOT_MEASURES.has(inner)) seen.set(`${key}.${inner}`, [key, inner]);
        }
      }
    }
  }
  return [...seen.values()];
}

export function listMeasures(blocks: readonly BlockStats[]): Measure[] {
  const measures: Measure[] = [];
  for (const path of numericPaths(blocks)) {
    const key = path.join('.');
    const known = KNOWN[key];
    measures.push({ key, label: known?.label ?? labelOf(path), unit: known?.unit ?? unitOf(path), value: (b) => read(b, path) });
    if (path[path.length - 1] === 'cosine') {
      const derived = `${key}:1-x`;
      measures.push({
        key: derived,
        label: KNOWN[derived]?.label ?? `${labelOf(path)}, 1 − x`,
        unit: 'error',
        value: (b) => {
          const cosine = read(b, path);
          return cosine === undefined ? undefined : 1 - cosine;
        },
      });
    }
    if (key === 'memory.reversibleBytes' && measures.some((m) => m.key === 'memory.storedBytes')) {
      const derived = 'memory.storedBytes-reversibleBytes';
      measures.push({
        key: derived,
        label: KNOWN[derived]?.label ?? derived,
        unit: 'bytes',
        value: (b) => {
          const stored = read(b, ['memory', 'storedBytes']);
          const kept = read(b, ['memory', 'reversibleBytes']);
          return stored === undefined || kept === undefined ? undefined : stored - kept;
        },
      });
    }
  }
  return measures;
}

export function formatMeasure(unit: MeasureUnit, value: number): string {
  switch (unit) {
    case 'error':
      return formatError(value);
    case 'bytes':
      return formatBytes(value);
    case 'count':
      return formatCount(value);
    case 'flops':
      return formatFlops(value);
    case 'plain':
      return Number.isInteger(value) ? formatCount(value) : value.toPrecision(6);
  }
}
