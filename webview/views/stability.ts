// Stability: for each reversible block, is it invertible in practice, and why not. The forward and inverse
// Lipschitz constants, the chain error predicted from them against the chain error measured, the float64
// reference (rounding or ill-conditioning), and the reconstruction off the data (out-of-distribution probes).
import type { BlockStats } from '../../protocol/inspectReport';
import type { BlockStability, StabilityReport } from '../../protocol/stabilityReport';
import { chartBox, logCeil, logFloor, logTicks, makeChart, positiveOrNull } from '../charts';
import { el, num, table } from '../dom';
import { formatError } from '../../shared/format';
import { withAlpha } from '../theme';
import { blockCell, ChartSet, clickedIndex, markRows, noReport, section } from './common';
import type { View, ViewContext } from './view';

function lipschitzText(value: number, converged: boolean): string {
  return `${value.toFixed(2)}${converged ? '' : '*'}`;
}

function noStability(element: HTMLElement): void {
  element.appendChild(
    el(
      'p',
      { class: 'placeholder', id: 'stability-missing' },
      'This inspection has no stability measurements. Turn on the setting “RevNet › Inspect: Stability” and inspect again, or run `revnet inspect --stability --out report.json`.',
    ),
  );
}

export function stabilityView(context: ViewContext): View {
  const charts = new ChartSet();

  function errorChart(element: HTMLElement, stability: StabilityReport, blocks: BlockStability[]): void {
    const theme = context.theme();
    const labels = blocks.map((b) => b.id);
    const measured = blocks.map((b) => positiveOrNull(b.errors.chainRelL2));
    const predicted = blocks.map((b) => positiveOrNull(b.predictedChainRelL2));
    const float64 = blocks.map((b) => (b.float64 ? positiveOrNull(b.float64.chainRelL2) : null));
    const hasFloat64 = float64.some((v) => v !== null);
    const palette = [theme.orange, theme.red, theme.yellow, theme.muted, theme.foreground];
    const probeSets = stability.probes.map((probe, i) => ({
      type: 'line' as const,
      label: `${probe.name} (chain)`,
      data: blocks.map((b) => positiveOrNull(b.probes[probe.name]?.chainRelL2 ?? NaN)),
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
      borderWidth: 1.5,
      pointRadius: 3,
    }));
    const all = [measured, predicted, float64, ...probeSets.map((s) => s.data)];
    const { canvas } = chartBox(
      element,
      'Chart of chain reconstruction error per block (relative L2, log scale): measured in float32 as bars, predicted from the inverse Lipschitz constants, float64, and on each out-of-distribution probe as lines. The table below lists the same numbers.',
      300,
    );
    charts.add(
      makeChart(canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { type: 'bar', label: 'measured chain (float32)', data: measured, backgroundColor: withAlpha(theme.blue, 0.75) },
            { type: 'line', label: 'predicted bound', data: predicted, borderColor: theme.purple, borderDash: [6, 4], borderWidth: 2, pointRadius: 2 },
            ...(hasFloat64 ? [{ type: 'line' as const, label: 'float64 chain', data: float64, borderColor: theme.green, borderWidth: 2, pointRadius: 2 }] : []),
            ...probeSets,
          ],
        },
        options: {
          onClick: (_e, elements) => {
            const index = clickedIndex(elements);
            const block = index === undefined ? undefined : blocks[index];
            if (block) context.selectBlock(block.id);
          },
          scales: {
            y: { type: 'logarithmic', ticks: { callback: logTicks }, min: logFloor(...all), max: logCeil(...all), title: { display: true, text: '‖x − x̂‖ / ‖x‖' } },
            x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 45 } },
          },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${formatError(item.parsed.y ?? NaN)}` } } },
        },
      }),
    );
  }

  function lipschitzChart(element: HTMLElement, blocks: BlockStability[]): void {
    const theme = context.theme();
    const forward = blocks.map((b) => positiveOrNull(b.forwardLipschitz.value));
    const inverse = blocks.map((b) => positiveOrNull(b.inverseLipschitz.value));
    const { canvas } = chartBox(element, 'Bar chart of the forward and inverse local Lipschitz constant of each reversible block, log scale. The table below lists the same numbers.', 240);
    charts.add(
      makeChart(canvas, {
        type: 'bar',
        data: {
          labels: blocks.map((b) => b.id),
          datasets: [
            { label: 'forward Lipschitz', data: forward, backgroundColor: withAlpha(theme.blue, 0.75) },
            { label: 'inverse Lipschitz', data: inverse, backgroundColor: withAlpha(theme.orange, 0.75) },
          ],
        },
        options: {
          scales: { y: { type: 'logarithmic', ticks: { callback: logTicks }, min: logFloor(forward, inverse), max: logCeil(forward, inverse) }, x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 45 } } },
        },
      }),
    );
  }

  return {
    name: 'stability',
    title: 'Stability',
    dependsOn: ['report', 'selection', 'theme'],
    render(element) {
      const report = context.store.report;
      if (!report) { noReport(element); return; }
      const stability = report.stability;
      if (!stability) { noStability(element); return; }
      const blocks = stability.blocks;
      const byId = new Map(report.blocks.map((b) => [b.id, b]));
      const statsOf = blocks.map((b) => byId.get(b.id)).filter((b): b is BlockStats => b !== undefined);
      const worst = blocks.reduce<BlockStability | undefined>((w, b) => (w === undefined || b.inverseLipschitz.value > w.inverseLipschitz.value ? b : w), undefined);
      element.appendChild(
        el(
          'p',
          { class: 'summary', id: 'stability-summary' },
          `Local Lipschitz constants of each reversible block at the first ${stability.batchSize} examples (BatchNorm ${stability.mode} mode). ` +
            `Rebuilding a block's input multiplies the error by the inverse Lipschitz constants of the blocks after it. ` +
            (worst ? `Largest inverse Lipschitz constant: ${worst.id}, ${worst.inverseLipschitz.value.toFixed(2)}.` : ''),
        ),
      );
      errorChart(element, stability, blocks);
      const probeHeaders = stability.probes.map((p) => `${p.name} chain`);
      const hasFloat64 = blocks.some((b) => b.float64 !== undefined);
      const errorTable = table(
        'Chain reconstruction error per block: measured, predicted, float64 and off the data (relative L2)',
        ['Block', 'One block', 'Chain', 'Predicted', ...(hasFloat64 ? ['float64 chain'] : []), ...probeHeaders],
        blocks.map((b, i) => [
          statsOf[i] ? blockCell(statsOf[i], context) : b.id,
          num(formatError(b.errors.oneBlockRelL2)),
          num(formatError(b.errors.chainRelL2)),
          num(formatError(b.predictedChainRelL2)),
          ...(hasFloat64 ? [num(b.float64 ? formatError(b.float64.chainRelL2) : '–')] : []),
          ...stability.probes.map((p) => num(formatError(b.probes[p.name]?.chainRelL2 ?? NaN))),
        ]),
      );
      errorTable.id = 'stability-errors';
      markRows(errorTable, statsOf, context.store.selectedBlock);
      element.appendChild(section('Why the chain drifts', el('div', { class: 'table-scroll' }, errorTable)));
      if (hasFloat64) {
        element.appendChild(
          el('p', { class: 'note' }, 'float64 near 1e-16 while float32 is large: rounding, amplified by a well-defined inverse. float64 large too: the inverse itself is ill-conditioned there.'),
        );
      }
      lipschitzChart(element, blocks);
      const lipTable = table(
        'Local Lipschitz constants per block (* = power iteration not converged)',
        ['Block', 'Forward', 'Inverse', 'Condition', 'Iterations'],
        blocks.map((b, i) => [
          statsOf[i] ? blockCell(statsOf[i], context) : b.id,
          num(lipschitzText(b.forwardLipschitz.value, b.forwardLipschitz.converged)),
          num(lipschitzText(b.inverseLipschitz.value, b.inverseLipschitz.converged)),
          num(b.conditionNumber.toFixed(1)),
          num(`${b.forwardLipschitz.iterations}/${b.inverseLipschitz.iterations}`),
        ]),
      );
      lipTable.id = 'stability-lipschitz';
      markRows(lipTable, statsOf, context.store.selectedBlock);
      element.appendChild(section('Lipschitz constants', el('div', { class: 'table-scroll' }, lipTable)));
      if (stability.parts.length > 0) {
        const partTable = table(
          'Lipschitz constants of invertible stages and of the trunk',
          ['Part', 'Forward', 'Inverse', 'Condition'],
          stability.parts.map((p) => [p.id, num(lipschitzText(p.forwardLipschitz.value, p.forwardLipschitz.converged)), num(lipschitzText(p.inverseLipschitz.value, p.inverseLipschitz.converged)), num(p.conditionNumber.toFixed(1))]),
        );
        partTable.id = 'stability-parts';
        element.appendChild(section('Stages and trunk', partTable));
      }
    },
    dispose() {
      charts.destroyAll();
    },
  };
}
