// The Markdown a hover over a stage shows: one row per block of that stage from the latest inspection.
// Plain Node (no `vscode`) so its text is tested directly.
import type { BlockStats, InspectReport } from '../../protocol/inspectReport';
import { exceedsThreshold } from '../../protocol/nonFinite';
import { degreesFromCosine, formatBytes, formatDegrees, formatError } from '../../shared/format';

/** Text from a report (a model name is whatever its config says) as literal Markdown: no links, images,
 *  HTML or table breaks, whatever it holds. */
export function escapeMarkdown(value: unknown): string {
  // a stored report is JSON from disk: whatever a field holds, it becomes text first
  return String(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+!|<>~&:]/g, (c) => `\\${c}`);
}


/** The error a block is judged by against the threshold: the larger of one-block and chain max |Δ|,
 *  NaN when either is NaN or not a number (Math.max would turn a lost null into 0). */
export function blockError(block: BlockStats): number | undefined {
  const r = block.reconstruction;
  if (r === null) return undefined;
  const values: unknown[] = [r.maxAbs, r.chainMaxAbs];
  if (!values.every((v) => typeof v === 'number' && !Number.isNaN(v))) return Number.NaN;
  return Math.max(r.maxAbs, r.chainMaxAbs);
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
  const flag = error !== undefined && exceedsThreshold(error, threshold) ? ' ⚠' : '';
  const cells = [
    `[${escapeMarkdown(block.id)}](${links.openBlock(block.id)})${flag}`,
    r === null ? `${escapeMarkdown(block.kind)}, not invertible` : noBreak(`${formatError(r.maxAbs)} / ${formatError(r.chainMaxAbs)}`),
    noBreak(`${formatBytes(block.memory.storedBytes)} / ${formatBytes(block.memory.reversibleBytes)}`),
    noBreak(`${formatDegrees(degreesFromCosine(block.gradient.cosine))}°`),
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
    return `**RevNet stage ${stage}**: the latest inspection (${escapeMarkdown(report.createdAt)}) has no blocks in this stage; the file may have changed since. [Inspect again](${links.inspect}).`;
  }
  const lines = [
    `**RevNet stage ${stage}** · ${escapeMarkdown(report.model.name)} · inspected ${escapeMarkdown(report.createdAt)} on ${escapeMarkdown(report.backend)}, batch ${escapeMarkdown(String(report.batchSize))}`,
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
