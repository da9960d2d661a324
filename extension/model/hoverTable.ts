// The Markdown a hover over a stage shows: one row per block of that stage from the latest inspection.
// Plain Node (no `vscode`) so its text is tested directly.
import type { BlockStats, InspectReport } from '../../protocol/inspectReport';

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatError(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n === 0 ? '0' : n.toExponential(2);
}

/** The angle between reversible and stored gradients, from their cosine (0.9999 is about 0.81°). */
export function formatAngle(cosine: number): string {
  if (!Number.isFinite(cosine)) return String(cosine);
  const degrees = (Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI;
  return degrees === 0 ? '0°' : `${degrees.toPrecision(2)}°`;
}

/** The error a block is judged by against the threshold: the larger of one-block and chain max |Δ|. */
export function blockError(block: BlockStats): number | undefined {
  const r = block.reconstruction;
  return r === null ? undefined : Math.max(r.maxAbs, r.chainMaxAbs);
}

export interface HoverLinks {
  /** a `command:` URI that opens the panel at the block */
  openBlock: (blockId: string) => string;
  /** a `command:` URI that runs an inspection of this model */
  inspect: string;
}

/**
 * A cell that never wraps inside a number in a narrow hover (400 px): spaces become no-break spaces and the
 * minus of an exponent a no-break hyphen, so "1.04e-5" and "451.6 k" stay on one line.
 */
export function noBreak(text: string): string {
  return text.replace(/ /g, '\u00a0').replace(/e-/g, 'e\u2011');
}

/** four columns, units in the header: readable in a side-by-side editor */
function row(block: BlockStats, threshold: number, links: HoverLinks): string {
  const r = block.reconstruction;
  const error = blockError(block);
  const flag = error !== undefined && error > threshold ? ' ⚠' : '';
  const cells = [
    `[${block.id}](${links.openBlock(block.id)})${flag}`,
    r === null ? `${block.kind}, not invertible` : noBreak(`${formatError(r.maxAbs)} / ${formatError(r.chainMaxAbs)}`),
    noBreak(`${formatBytes(block.memory.storedBytes)} / ${formatBytes(block.memory.reversibleBytes)}`),
    noBreak(`${formatAngle(block.gradient.cosine)}`),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The hover text for stage `stage` (1-based), or how to get numbers when there is no inspection. */
export function stageHoverMarkdown(
  report: InspectReport | undefined,
  stage: number,
  threshold: number,
  links: HoverLinks,
): string {
  if (report === undefined) {
    return `**RevNet stage ${stage}**: no inspection of this model yet. Run [RevNet: Inspect Model](${links.inspect}) to see per-block parameters, FLOPs, memory and reconstruction error here.`;
  }
  const blocks = report.blocks.filter((b) => b.stage === stage);
  if (blocks.length === 0) {
    return `**RevNet stage ${stage}**: the latest inspection (${report.createdAt}) has no blocks in this stage; the file may have changed since. [Inspect again](${links.inspect}).`;
  }
  const lines = [
    `**RevNet stage ${stage}** · ${report.model.name} · inspected ${report.createdAt} on ${report.backend}, batch ${report.batchSize}`,
    '',
    '| block | max \\|Δ\\| one-block / chain | activations stored / reversible | gradient angle |',
    '| --- | ---: | ---: | ---: |',
    ...blocks.map((block) => row(block, threshold, links)),
    '',
    '*One-block*: the block inverted from its own true output. *Chain*: its input as the reversible backward pass rebuilds it, from the network\'s final output through every later block (this one grows with depth). ' +
      '*Gradient angle*: between reversible and standard-backprop gradients of the block\'s weights.',
    '',
    `⚠ marks a reconstruction error above the threshold ${noBreak(formatError(threshold))} (setting \`revnet.errorThreshold\`).`,
  ];
  return lines.join('\n');
}
