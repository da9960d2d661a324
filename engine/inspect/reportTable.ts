// The readable form of an inspection report (what `revnet inspect` prints without --json).
import type { InspectReport } from '../../protocol/inspectReport';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

const sci = (value: number): string => (value === 0 ? '0' : value.toExponential(2));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(report: InspectReport): string {
  const { model, memory, timing } = report;
  const rows = report.blocks.map((block) => [
    block.id,
    block.kind,
    String(block.params),
    block.reconstruction === null ? '-' : sci(block.reconstruction.maxAbs),
    block.reconstruction === null ? '-' : sci(block.reconstruction.chainMaxAbs),
    block.gradient.cosine.toFixed(8),
    sci(block.gradient.relErr),
    formatBytes(block.memory.storedBytes),
    formatBytes(block.memory.reversibleBytes),
  ]);
  const ratio = timing.standardStepMs > 0 ? (timing.reversibleStepMs / timing.standardStepMs).toFixed(2) : '-';
  const depth = memory.depth.map((p) => `  ${String(p.unitsPerStage).padStart(3)} units/stage  standard ${formatBytes(p.standardPeakBytes).padStart(10)}  reversible ${formatBytes(p.reversiblePeakBytes).padStart(10)}  (${p.source})`);
  return [
    `model ${model.name}${model.preset !== undefined ? ` (preset ${model.preset})` : ''}: ${model.params} params, ${(model.flops / 1e6).toFixed(1)} MFLOPs per example, trunk ${model.trunkInvertible ? 'invertible to the image' : 'not invertible to the image'}`,
    `backend ${report.backend}, batch ${report.batchSize}, data ${report.data}, reconstruction with BatchNorm in ${report.reconstructionMode ?? 'inference'} mode`,
    '',
    table(['block', 'kind', 'params', 'one-block max|Δ|', 'chain max|Δ|', 'grad cosine', 'grad relErr', 'stored', 'reversible'], rows),
    '',
    `totals: stored ${formatBytes(memory.storedBytesTotal)}, reversible ${formatBytes(memory.reversibleBytesTotal)} (analytic, activations per block)`,
    `measured peak of one training step: standard ${formatBytes(memory.standardPeakBytes)}, reversible ${formatBytes(memory.reversiblePeakBytes)}`,
    `median step time: standard ${timing.standardStepMs.toFixed(1)} ms, reversible ${timing.reversibleStepMs.toFixed(1)} ms (ratio ${ratio})`,
    ...(depth.length > 0 ? ['peak against depth:', ...depth] : []),
  ].join('\n');
}
