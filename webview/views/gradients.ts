// Gradients: how closely the reversible backward pass reproduces standard backprop's gradients, per block and,
// for the selected block, per parameter tensor.
import { chartBox, logCeil, logFloor, logTicks, makeChart, positiveOrNull } from '../charts';
import { clear, el, num, table } from '../dom';
import { degreesFromCosine, formatDegrees, formatError } from '../../shared/format';
import { withAlpha } from '../theme';
import { blockCell, blockLabel, ChartSet, clickedIndex, markRows, noReport, section } from './common';
import type { View, ViewContext } from './view';

export function gradientsView(context: ViewContext): View {
  const charts = new ChartSet();
  let blockTable: HTMLTableElement | undefined;
  let detail: HTMLElement | undefined;

  function drawDetail(): void {
    if (!detail) return;
    clear(detail);
    const block = context.store.focusBlock();
    if (!block) return;
    const params = block.gradient.perParameter;
    detail.appendChild(el('h3', {}, `Parameters of ${block.id}`));
    if (params.length === 0) {
      detail.appendChild(el('p', { class: 'note' }, `${block.id} has no per-parameter gradient statistics.`));
      return;
    }
    const theme = context.theme();
    const values = params.map((p) => positiveOrNull(p.relErr));
    const { canvas } = chartBox(detail, `Horizontal bar chart of the gradient relative error of each of the ${params.length} parameter tensors of ${block.id}, log scale. The table below lists the same numbers.`, Math.max(160, 40 + params.length * 14));
    charts.add(
      makeChart(canvas, {
        type: 'bar',
        data: { labels: params.map((p) => p.name.startsWith(`${block.id}.`) ? p.name.slice(block.id.length + 1) : p.name), datasets: [{ label: 'relative error', data: values, backgroundColor: withAlpha(theme.blue, 0.8) }] },
        options: {
          indexAxis: 'y',
          scales: { x: { type: 'logarithmic', ticks: { callback: logTicks }, min: logFloor(values), max: logCeil(values) }, y: { ticks: { autoSkip: false, font: { size: 10 } } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => `relative error ${formatError(item.parsed.x ?? NaN)}` } } },
        },
      }),
    );
    const paramTable = table(
      `Gradient fidelity per parameter of ${block.id}`,
      ['Parameter', 'Relative error', '1 − cosine', 'Angle (°)'],
      params.map((p) => [p.name, num(formatError(p.relErr)), num(formatError(1 - p.cosine)), num(formatDegrees(degreesFromCosine(p.cosine)))]),
    );
    paramTable.id = 'gradient-parameters';
    detail.appendChild(paramTable);
  }

  return {
    name: 'gradients',
    title: 'Gradients',
    dependsOn: ['report', 'selection', 'theme'],
    render(element) {
      const report = context.store.report;
      if (!report) { noReport(element); return; }
      const theme = context.theme();
      const blocks = report.blocks;
      const selected = blocks.map((b) => b.id === context.store.selectedBlock);
      element.appendChild(el('p', { class: 'summary' }, 'Reversible-mode gradients against standard-mode gradients of each block’s parameters: ‖g_rev − g_std‖ / ‖g_std‖ and the cosine of the angle between them.'));
      const values = blocks.map((b) => positiveOrNull(b.gradient.relErr));
      const { canvas } = chartBox(element, 'Bar chart of gradient relative error per block, log scale. The table below lists the same numbers with the cosine.', 260);
      charts.add(
        makeChart(canvas, {
          type: 'bar',
          data: {
            labels: blocks.map(blockLabel),
            datasets: [
              {
                label: 'gradient relative error',
                data: values,
                backgroundColor: withAlpha(theme.blue, 0.8),
                borderColor: selected.map((s) => (s ? theme.focus : theme.blue)),
                borderWidth: selected.map((s) => (s ? 3 : 1)),
              },
            ],
          },
          options: {
            onClick: (_e, elements) => {
              const index = clickedIndex(elements);
              if (index !== undefined) context.selectBlock(blocks[index].id);
            },
            scales: { y: { type: 'logarithmic', ticks: { callback: logTicks }, min: logFloor(values), max: logCeil(values) }, x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 45 } } },
            plugins: { tooltip: { callbacks: { label: (item) => `relative error ${formatError(item.parsed.y ?? NaN)}` } } },
          },
        }),
      );
      blockTable = table(
        'Gradient fidelity per block',
        ['Block', 'Kind', 'Relative error', '1 − cosine', 'Angle (°)', 'Weight tensors'],
        blocks.map((b) => [blockCell(b, context), b.kind, num(formatError(b.gradient.relErr)), num(formatError(1 - b.gradient.cosine)), num(formatDegrees(degreesFromCosine(b.gradient.cosine))), num(String(b.gradient.perParameter.length))]),
      );
      blockTable.id = 'gradient-blocks';
      markRows(blockTable, blocks, context.store.selectedBlock);
      element.appendChild(section('Per block', blockTable));
      detail = el('section', { id: 'gradient-detail' });
      element.appendChild(detail);
      drawDetail();
    },
    dispose() {
      charts.destroyAll();
      blockTable = undefined;
      detail = undefined;
    },
  };
}
