// Reconstruction: how far each block's inverse lands from its true input, one block alone and through the
// chain of later blocks (what the reversible backward pass really uses), with the suspect blocks flagged.
import type { BlockStats, ReconstructionStats } from '../../protocol/inspectReport';
import type { ChartConfiguration, ChartDataset, TooltipItem } from 'chart.js';
import { chartBox, logCeil, logFloor, logTicks, makeChart, positiveOrNull } from '../charts';
import { clear, el, num, table } from '../dom';
import { formatError } from '../../shared/format';
import { withAlpha } from '../theme';
import { blockCell, blockLabel, ChartSet, clickedIndex, markRows, noReport, section } from './common';
import type { View, ViewContext } from './view';

type Metric = 'maxAbs' | 'relL2';

const WORST_CHANNELS = 8;

function oneBlock(r: ReconstructionStats, metric: Metric): number {
  return metric === 'maxAbs' ? r.maxAbs : r.relL2;
}

function chain(r: ReconstructionStats, metric: Metric): number {
  return metric === 'maxAbs' ? r.chainMaxAbs : r.chainRelL2;
}

export function reconstructionView(context: ViewContext): View {
  const charts = new ChartSet();
  let metric: Metric = 'maxAbs';
  let blockTable: HTMLTableElement | undefined;
  let chartArea: HTMLElement | undefined;
  let channelArea: HTMLElement | undefined;
  let summary: HTMLElement | undefined;

  function drawBlockChart(): void {
    const { store } = context;
    const report = store.report;
    if (!report || !chartArea) return;
    clear(chartArea);
    const theme = context.theme();
    const blocks = report.blocks;
    const one = blocks.map((b) => (b.reconstruction ? positiveOrNull(oneBlock(b.reconstruction, metric)) : null));
    const chained = blocks.map((b) => (b.reconstruction ? positiveOrNull(chain(b.reconstruction, metric)) : null));
    const flagged = blocks.map((b) => store.isFlagged(b));
    const selected = blocks.map((b) => b.id === store.selectedBlock);
    const threshold = metric === 'maxAbs' ? store.errorThreshold : undefined;
    const floor = logFloor(one, chained, threshold !== undefined ? [threshold] : []);
    const label = metric === 'maxAbs' ? 'max |x − x̂|' : '‖x − x̂‖ / ‖x‖';
    const { canvas } = chartBox(chartArea, `Bar chart of one-block and chain reconstruction error (${label}) per block, log scale. The table below lists the same numbers.`, 300);
    const datasets: ChartDataset<'bar' | 'line'>[] = [
      {
        type: 'bar',
        label: `one block (${label})`,
        data: one,
        backgroundColor: flagged.map((f) => withAlpha(f ? theme.red : theme.blue, 0.75)),
        borderColor: selected.map((s, i) => (s ? theme.focus : flagged[i] ? theme.red : theme.blue)),
        borderWidth: selected.map((s) => (s ? 3 : 1)),
      },
      {
        type: 'bar',
        label: `chain (${label})`,
        data: chained,
        backgroundColor: flagged.map((f) => withAlpha(f ? theme.orange : theme.purple, 0.75)),
        borderColor: selected.map((s, i) => (s ? theme.focus : flagged[i] ? theme.orange : theme.purple)),
        borderWidth: selected.map((s) => (s ? 3 : 1)),
      },
    ];
    if (threshold !== undefined && threshold > 0) {
      datasets.push({
        type: 'line',
        label: `threshold ${formatError(threshold)}`,
        data: blocks.map(() => threshold),
        borderColor: theme.red,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        pointHitRadius: 0,
      });
    }
    charts.add(
      makeChart(canvas, {
        type: 'bar',
        data: { labels: blocks.map(blockLabel), datasets },
        options: {
          onClick: (_event: unknown, elements: { index: number }[]) => {
            const index = clickedIndex(elements);
            if (index !== undefined) context.selectBlock(blocks[index].id);
          },
          scales: {
            y: { type: 'logarithmic', ticks: { callback: logTicks }, min: floor, max: logCeil(one, chained, threshold !== undefined ? [threshold] : []), title: { display: true, text: label } },
            x: {
              ticks: {
                autoSkip: false,
                maxRotation: 90,
                minRotation: 45,
                color: (tick: { index: number }) => (flagged[tick.index] ? theme.red : theme.foreground),
              },
            },
          },
          plugins: { tooltip: { callbacks: { label: (item: TooltipItem<'bar'>) => `${item.dataset.label}: ${formatError(item.parsed.y ?? NaN)}` } } },
        },
      } as ChartConfiguration<'bar'>),
    );
  }

  function drawChannels(): void {
    const block = context.store.focusBlock();
    if (!channelArea) return;
    clear(channelArea);
    if (!block) return;
    channelArea.appendChild(el('h3', {}, `Channels of ${block.id}`));
    const r = block.reconstruction;
    if (r === null) {
      channelArea.appendChild(el('p', { class: 'note' }, `${block.id} is a transition: it is not invertible, its input is stored during training.`));
      return;
    }
    const theme = context.theme();
    const { canvas } = chartBox(channelArea, `Bar chart of the max-abs reconstruction error of each of the ${r.channelMaxAbs.length} input channels of ${block.id}, one block and chain, log scale.`, 220);
    const one = r.channelMaxAbs.map(positiveOrNull);
    const chained = r.channelChainMaxAbs.map(positiveOrNull);
    charts.add(
      makeChart(canvas, {
        type: 'bar',
        data: {
          labels: r.channelMaxAbs.map((_v, i) => String(i)),
          datasets: [
            { label: 'one block max |x − x̂|', data: one, backgroundColor: withAlpha(theme.blue, 0.8), barPercentage: 1, categoryPercentage: 0.9 },
            { label: 'chain max |x − x̂|', data: chained, backgroundColor: withAlpha(theme.purple, 0.8), barPercentage: 1, categoryPercentage: 0.9 },
          ],
        },
        options: {
          scales: { y: { type: 'logarithmic', ticks: { callback: logTicks }, min: logFloor(one, chained), max: logCeil(one, chained) }, x: { title: { display: true, text: 'input channel' } } },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatError(item.parsed.y ?? NaN)}` } } },
        },
      }),
    );
    const order = r.channelMaxAbs.map((_v, i) => i).sort((a, b) => r.channelMaxAbs[b] - r.channelMaxAbs[a]);
    const rows = (indices: number[]) => indices.map((c) => [num(String(c)), num(formatError(r.channelMaxAbs[c])), num(formatError(r.channelChainMaxAbs[c] ?? NaN))]);
    const worst = table(`The ${Math.min(WORST_CHANNELS, order.length)} worst channels of ${block.id}`, ['Channel', 'One-block max', 'Chain max'], rows(order.slice(0, WORST_CHANNELS)));
    worst.id = 'worst-channels';
    channelArea.appendChild(worst);
    const details = el('details', { id: 'all-channels' }, el('summary', {}, `All ${r.channelMaxAbs.length} channels`));
    details.addEventListener('toggle', () => {
      if (details.open && details.querySelector('table') === null) {
        details.appendChild(table(`Every channel of ${block.id}`, ['Channel', 'One-block max', 'Chain max'], rows(order.slice().sort((a, b) => a - b))));
      }
    });
    channelArea.appendChild(details);
  }

  function summaryText(): string {
    const { store } = context;
    const blocks = store.report?.blocks ?? [];
    const invertible = blocks.filter((b) => b.reconstruction !== null);
    const flagged = invertible.filter((b) => store.isFlagged(b));
    return `Threshold ${formatError(store.errorThreshold)} (setting revnet.errorThreshold, on one-block or chain max |x − x̂|): ${flagged.length} of ${invertible.length} invertible blocks flagged${flagged.length ? `: ${flagged.slice(0, 8).map((b) => b.id).join(', ')}${flagged.length > 8 ? ` and ${flagged.length - 8} more` : ''}` : ''}.`;
  }

  function status(b: BlockStats): string {
    if (b.reconstruction === null) return 'not invertible';
    return context.store.isFlagged(b) ? 'over threshold' : 'ok';
  }

  return {
    name: 'reconstruction',
    title: 'Reconstruction',
    dependsOn: ['report', 'threshold', 'selection', 'theme'],
    render(element) {
      const { store } = context;
      const report = store.report;
      if (!report) { noReport(element); return; }
      const radios = el(
        'vscode-radio-group',
        { id: 'metric', 'aria-label': 'Error measure' },
        el('vscode-radio', { name: 'metric', value: 'maxAbs', checked: metric === 'maxAbs' }, 'max |x − x̂|'),
        el('vscode-radio', { name: 'metric', value: 'relL2', checked: metric === 'relL2' }, 'relative ‖x − x̂‖/‖x‖'),
      );
      radios.addEventListener('change', (event) => {
        const value = (event.target as HTMLInputElement).value;
        if ((value === 'maxAbs' || value === 'relL2') && value !== metric) {
          metric = value;
          charts.destroyAll();
          drawBlockChart();
          drawChannels();
        }
      });
      summary = el('p', { id: 'threshold-summary', class: 'summary' }, summaryText());
      element.appendChild(el('div', { class: 'toolbar' }, el('span', { class: 'label' }, 'Error measure'), radios));
      element.appendChild(summary);
      chartArea = el('div');
      element.appendChild(chartArea);
      blockTable = table(
        'Reconstruction error per block',
        ['Block', 'Kind', 'One-block max', 'One-block rel', 'Chain max', 'Chain rel', 'Worst channel', 'Status'],
        report.blocks.map((b) => {
          const r = b.reconstruction;
          return [
            blockCell(b, context),
            b.kind,
            num(r ? formatError(r.maxAbs) : '—'),
            num(r ? formatError(r.relL2) : '—'),
            num(r ? formatError(r.chainMaxAbs) : '—'),
            num(r ? formatError(r.chainRelL2) : '—'),
            num(r ? `${r.worstChannel.index}: ${formatError(r.worstChannel.maxAbs)}` : '—'),
            el('td', { class: 'status' }, status(b)),
          ];
        }),
      );
      blockTable.id = 'reconstruction-blocks';
      markRows(blockTable, report.blocks, store.selectedBlock, (b) => store.isFlagged(b));
      element.appendChild(section('Per block', blockTable));
      channelArea = el('section', { id: 'channel-detail' });
      element.appendChild(channelArea);
      drawBlockChart();
      drawChannels();
    },
    update(change) {
      const report = context.store.report;
      if (!report || !blockTable) return false;
      if (change === 'selection' || change === 'threshold') {
        markRows(blockTable, report.blocks, context.store.selectedBlock, (b) => context.store.isFlagged(b));
        const statusCells = blockTable.querySelectorAll('td.status');
        report.blocks.forEach((b, i) => {
          const cell = statusCells[i] as Element | undefined;
          if (cell) cell.textContent = status(b);
        });
        if (summary) summary.textContent = summaryText();
        charts.destroyAll();
        drawBlockChart();
        drawChannels();
        return true;
      }
      return false;
    },
    dispose() {
      charts.destroyAll();
      blockTable = undefined;
      chartArea = undefined;
      channelArea = undefined;
    },
  };
}
