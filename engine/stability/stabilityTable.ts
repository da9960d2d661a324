// The readable form of a stability report (what `revnet inspect --stability` prints without --json).
import type { StabilityReport } from '../../protocol/stabilityReport';

const sci = (value: number): string => (Number.isFinite(value) ? (value === 0 ? '0' : value.toExponential(2)) : String(value));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatStability(report: StabilityReport): string {
  const float64 = report.blocks.some((b) => b.float64 !== undefined);
  const header = ['block', 'Lip fwd', 'Lip inv', 'cond', 'one-block', 'chain', 'predicted', ...(float64 ? ['f64 one', 'f64 chain'] : []), ...report.probes.map((p) => `${p.name} chain`)];
  const rows = report.blocks.map((b) => [
    b.id,
    b.forwardLipschitz.value.toFixed(2) + (b.forwardLipschitz.converged ? '' : '*'),
    b.inverseLipschitz.value.toFixed(2) + (b.inverseLipschitz.converged ? '' : '*'),
    b.conditionNumber.toFixed(1),
    sci(b.errors.oneBlockRelL2),
    sci(b.errors.chainRelL2),
    sci(b.predictedChainRelL2),
    ...(float64 ? [sci(b.float64?.oneBlockRelL2 ?? NaN), sci(b.float64?.chainRelL2 ?? NaN)] : []),
    ...report.probes.map((p) => sci(b.probes[p.name]?.chainRelL2 ?? NaN)),
  ]);
  const parts = report.parts.map(
    (p) => `  ${p.id}: forward ${p.forwardLipschitz.value.toFixed(2)}, inverse ${p.inverseLipschitz.value.toFixed(2)}, condition ${p.conditionNumber.toFixed(1)}`,
  );
  return [
    `stability (BatchNorm ${report.mode} mode, first ${report.batchSize} examples, relative L2 errors, Lipschitz by power iteration with ${report.jvp} JVPs; * = not converged in ${report.maxIterations} iterations), ${(report.elapsedMs / 1000).toFixed(1)} s`,
    table(header, rows),
    ...(parts.length > 0 ? ['invertible parts:', ...parts] : []),
  ].join('\n');
}
