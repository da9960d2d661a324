// The readable form of an inspection report (what `revnet inspect` prints without --json).
import type { InspectReport } from '../../protocol/inspectReport';
import { degreesFromCosine, formatBytes, formatCount, formatDegrees, formatError, formatFlops, formatRatio, formatRatioSpread } from '../../shared/format';

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
    formatCount(block.params),
    block.reconstruction === null ? '-' : formatError(block.reconstruction.maxAbs),
    block.reconstruction === null ? '-' : formatError(block.reconstruction.chainMaxAbs),
    formatDegrees(degreesFromCosine(block.gradient.cosine)),
    formatError(block.gradient.relErr),
    formatBytes(block.memory.storedBytes),
    formatBytes(block.memory.reversibleBytes),
  ]);
  const ratio =
    timing.recomputeRatio !== undefined
      ? `median ratio ${formatRatioSpread(timing.recomputeRatio)}`
      : timing.standardStepMs > 0
        ? `ratio ${formatRatio(timing.reversibleStepMs / timing.standardStepMs)}`
        : 'ratio -';
  const depth = memory.depth.map((p) => `  ${String(p.unitsPerStage).padStart(3)} units/stage  standard ${formatBytes(p.standardPeakBytes).padStart(10)}  reversible ${formatBytes(p.reversiblePeakBytes).padStart(10)}  (${p.source})`);
  return [
    `model ${model.name}${model.preset !== undefined ? ` (preset ${model.preset})` : ''}: ${formatCount(model.params)} params, ${formatFlops(model.flops)} per example, trunk ${model.trunkInvertible ? 'invertible to the image' : 'not invertible to the image'}`,
    `backend ${report.backend}, batch ${report.batchSize}, data ${report.data}, reconstruction with BatchNorm in ${report.reconstructionMode ?? 'inference'} mode`,
    '',
    table(['block', 'kind', 'params', 'one-block max|Δ|', 'chain max|Δ|', 'grad angle°', 'grad relErr', 'stored', 'reversible'], rows),
    '',
    `totals: stored ${formatBytes(memory.storedBytesTotal)}, reversible ${formatBytes(memory.reversibleBytesTotal)} (analytic, activations per block)`,
    `measured peak of one training step: standard ${formatBytes(memory.standardPeakBytes)}, reversible ${formatBytes(memory.reversiblePeakBytes)}`,
    `median step time: standard ${timing.standardStepMs.toFixed(1)} ms, reversible ${timing.reversibleStepMs.toFixed(1)} ms (${ratio})${timing.threads !== undefined && timing.threads > 1 ? `, ${timing.threads} threads` : ''}`,
    ...(depth.length > 0 ? ['peak against depth:', ...depth] : []),
  ].join('\n');
}
