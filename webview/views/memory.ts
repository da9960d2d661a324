// Memory: what standard backprop stores per block against what reversible backprop keeps, the measured peaks
// and step times of both modes, peak memory against depth, and the live bytes through one training step.
import type { InspectReport, TimelinePoint } from '../../protocol/inspectReport';
import type { ChartConfiguration, TooltipItem } from 'chart.js';
import { chartBox, makeChart } from '../charts';
import { el, num, table } from '../dom';
import { formatBytes, formatRatio, formatRatioSpread } from '../../shared/format';
import { withAlpha } from '../theme';
import { blockCell, blockLabel, ChartSet, clickedIndex, markRows, noReport, section, tiles } from './common';
import type { View, ViewContext } from './view';

const MIB = 1024 * 1024;

export interface TimelinePeak {
  index: number;
  bytes: number;
  point: TimelinePoint;
}

export function timelinePeak(points: TimelinePoint[]): TimelinePeak | undefined {
  let peak: TimelinePeak | undefined;
  points.forEach((point, index) => {
    if (peak === undefined || point.bytes > peak.bytes) peak = { index, bytes: point.bytes, point };
  });
  return peak;
}

/** a phase's peak as text, or a dash when that step never ran it */
function phaseBytes(peaks: Map<string, number>, phase: string): string {
  const bytes = peaks.get(phase);
  return bytes === undefined ? '—' : formatBytes(bytes);
}

/** the largest live bytes while each block (or stem, head, loss, update) ran, in order of first appearance */
export function peakPerPhase(points: TimelinePoint[]): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const point of points) peaks.set(point.block, Math.max(peaks.get(point.block) ?? 0, point.bytes));
  return peaks;
}

function summaryTiles(report: InspectReport): HTMLElement {
  const m = report.memory;
  const t = report.timing;
  return tiles([
    ['Stored activations, standard', formatBytes(m.storedBytesTotal), 'storedTotal'],
    ['Kept activations, reversible', formatBytes(m.reversibleBytesTotal), 'reversibleTotal'],
    // no kept activations at all (a fully invertible trunk) is no ratio to print: say what it means
    ['Activation saving (stored ÷ kept)', m.reversibleBytesTotal > 0 ? formatRatio(m.storedBytesTotal / m.reversibleBytesTotal) : 'all: reversible keeps none', 'activationRatio'],
    ['Measured peak, standard step', formatBytes(m.standardPeakBytes), 'standardPeak'],
    ['Measured peak, reversible step', formatBytes(m.reversiblePeakBytes), 'reversiblePeak'],
    ['Peak saving', formatRatio(m.standardPeakBytes / m.reversiblePeakBytes), 'peakRatio'],
    ['Step time, standard', `${t.standardStepMs.toFixed(1)} ms`, 'standardMs'],
    ['Step time, reversible', `${t.reversibleStepMs.toFixed(1)} ms`, 'reversibleMs'],
    // one ratio swings with the machine's load: the median of paired repeats and their spread
    ['Recompute cost (reversible ÷ standard step time)', t.recomputeRatio !== undefined ? formatRatioSpread(t.recomputeRatio) : formatRatio(t.reversibleStepMs / t.standardStepMs), 'recomputeCost'],
  ]);
}

export function memoryView(context: ViewContext): View {
  const charts = new ChartSet();
  let blockTable: HTMLTableElement | undefined;

  function perBlock(parent: HTMLElement, report: InspectReport): void {
    const theme = context.theme();
    const blocks = report.blocks;
    const selected = blocks.map((b) => b.id === context.store.selectedBlock);
    const { canvas } = chartBox(parent, 'Grouped bar chart of activation bytes per block, stored under standard backprop and kept under reversible backprop. The table below lists the same numbers.', 260);
    charts.add(
      makeChart(canvas, {
        type: 'bar',
        data: {
          labels: blocks.map(blockLabel),
          datasets: [
            {
              label: 'stored (standard)',
              data: blocks.map((b) => b.memory.storedBytes / MIB),
              backgroundColor: withAlpha(theme.orange, 0.8),
              borderColor: selected.map((s) => (s ? theme.focus : theme.orange)),
              borderWidth: selected.map((s) => (s ? 3 : 1)),
            },
            {
              label: 'kept (reversible)',
              data: blocks.map((b) => b.memory.reversibleBytes / MIB),
              backgroundColor: withAlpha(theme.green, 0.8),
              borderColor: selected.map((s) => (s ? theme.focus : theme.green)),
              borderWidth: selected.map((s) => (s ? 3 : 1)),
            },
          ],
        },
        options: {
          onClick: (_e, elements) => {
            const index = clickedIndex(elements);
            if (index !== undefined) context.selectBlock(blocks[index].id);
          },
          scales: { y: { title: { display: true, text: 'MiB' }, beginAtZero: true }, x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 45 } } },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatBytes((item.parsed.y ?? 0) * MIB)}` } } },
        },
      }),
    );
    blockTable = table(
      'Activation bytes per block',
      ['Block', 'Kind', 'Stored (standard)', 'Kept (reversible)'],
      blocks.map((b) => [blockCell(b, context), b.kind, num(formatBytes(b.memory.storedBytes)), num(formatBytes(b.memory.reversibleBytes))]),
    );
    blockTable.id = 'memory-blocks';
    markRows(blockTable, blocks, context.store.selectedBlock);
    parent.appendChild(blockTable);
  }

  function depth(parent: HTMLElement, report: InspectReport): void {
    const theme = context.theme();
    const points = [...report.memory.depth].sort((a, b) => a.unitsPerStage - b.unitsPerStage);
    if (points.length === 0) {
      parent.appendChild(el('p', { class: 'note' }, 'The report has no depth series.'));
      return;
    }
    const measured = points.map((p) => p.source === 'measured');
    const series = (label: string, colour: string, pick: (p: (typeof points)[number]) => number) => ({
      type: 'line' as const,
      label,
      data: points.map((p) => ({ x: p.unitsPerStage, y: pick(p) / MIB })),
      borderColor: colour,
      backgroundColor: colour,
      pointBackgroundColor: measured.map((m) => (m ? colour : theme.background)),
      pointBorderColor: colour,
      pointRadius: 4,
      pointStyle: measured.map((m) => (m ? 'circle' : 'rectRot')),
      segment: { borderDash: (ctx: { p1DataIndex: number }) => (measured[ctx.p1DataIndex] ? undefined : [6, 4]) },
    });
    parent.appendChild(el('p', { class: 'note' }, 'Solid line and filled circles: measured training steps. Dashed line and hollow diamonds: analytic estimate from shapes.'));
    const { canvas } = chartBox(parent, 'Line chart of peak training-step memory against units per stage, standard and reversible; measured points filled, analytic points hollow. The table below lists the same numbers.', 240);
    charts.add(
      makeChart<'line'>(canvas, {
        type: 'line',
        data: {
          datasets: [
            series('standard peak', theme.orange, (p) => p.standardPeakBytes),
            series('reversible peak', theme.green, (p) => p.reversiblePeakBytes),
          ],
        },
        options: {
          scales: {
            x: { type: 'linear', title: { display: true, text: 'units per stage' }, ticks: { precision: 0 } },
            y: { title: { display: true, text: 'peak MiB' }, beginAtZero: true },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item: TooltipItem<'line'>) => `${item.dataset.label}: ${formatBytes((item.parsed.y ?? 0) * MIB)} (${points[item.dataIndex].source})`,
              },
            },
          },
        },
      }),
    );
    const depthTable = table(
      'Peak memory against depth',
      ['Units per stage', 'Standard peak', 'Reversible peak', 'Source'],
      points.map((p) => [num(String(p.unitsPerStage)), num(formatBytes(p.standardPeakBytes)), num(formatBytes(p.reversiblePeakBytes)), p.source]),
    );
    depthTable.id = 'memory-depth';
    parent.appendChild(depthTable);
  }

  function timeline(parent: HTMLElement, report: InspectReport): void {
    const theme = context.theme();
    const { standard, reversible } = report.timeline;
    const standardPeak = timelinePeak(standard);
    const reversiblePeak = timelinePeak(reversible);
    const describe = (name: string, peak: TimelinePeak | undefined) =>
      peak ? `${name} peak ${formatBytes(peak.bytes)} at kernel ${peak.index} (${peak.point.kernel}, ${peak.point.block})` : `${name}: no timeline`;
    parent.appendChild(el('p', { class: 'summary', id: 'timeline-peaks' }, `${describe('Standard', standardPeak)}. ${describe('Reversible', reversiblePeak)}.`));
    const { canvas } = chartBox(parent, 'Line chart of live tensor bytes after every kernel of one training step, standard and reversible overlaid, peaks marked with triangles. The table below lists the peak while each block ran.', 280);
    const line = (label: string, colour: string, points: TimelinePoint[]) => ({
      type: 'line' as const,
      label,
      data: points.map((p, i) => ({ x: i, y: p.bytes / MIB })),
      borderColor: colour,
      backgroundColor: withAlpha(colour, 0.15),
      borderWidth: 1.5,
      pointRadius: 0,
      fill: true,
      indexAxis: 'x' as const,
    });
    const marker = (label: string, colour: string, peak: TimelinePeak | undefined) => ({
      type: 'scatter' as const,
      label,
      data: peak ? [{ x: peak.index, y: peak.bytes / MIB }] : [],
      backgroundColor: colour,
      borderColor: theme.foreground,
      pointStyle: 'triangle',
      pointRadius: 8,
      pointHoverRadius: 10,
    });
    const seriesPoints = [standard, reversible, standard, reversible];
    charts.add(
      makeChart(canvas, {
        type: 'line',
        data: {
          datasets: [
            line('standard', theme.orange, standard),
            line('reversible', theme.green, reversible),
            marker('standard peak', theme.orange, standardPeak),
            marker('reversible peak', theme.green, reversiblePeak),
          ],
        },
        options: {
          parsing: false,
          normalized: true,
          interaction: { mode: 'nearest', axis: 'x', intersect: false },
          scales: {
            x: { type: 'linear', title: { display: true, text: 'kernel in the training step' }, ticks: { precision: 0 } },
            y: { title: { display: true, text: 'live MiB' }, beginAtZero: true },
          },
          plugins: {
            decimation: { enabled: true, algorithm: 'min-max' },
            tooltip: {
              callbacks: {
                title: (items: TooltipItem<'line'>[]) => (items.length ? `kernel ${items[0].parsed.x}` : ''),
                label: (item: TooltipItem<'line'>) => {
                  const point = (seriesPoints[item.datasetIndex] as (typeof seriesPoints)[number] | undefined)?.[item.parsed.x ?? -1];
                  return `${item.dataset.label}: ${formatBytes((item.parsed.y ?? 0) * MIB)}${point ? ` — ${point.kernel} in ${point.block}` : ''}`;
                },
              },
            },
          },
        },
      } as ChartConfiguration<'line'>),
    );
    const standardPhases = peakPerPhase(standard);
    const reversiblePhases = peakPerPhase(reversible);
    const phases = [...new Set([...standardPhases.keys(), ...reversiblePhases.keys()])];
    const phaseTable = table(
      'Peak live bytes while each part of the step ran',
      ['Running', 'Standard', 'Reversible'],
      phases.map((p) => [p, num(phaseBytes(standardPhases, p)), num(phaseBytes(reversiblePhases, p))]),
    );
    phaseTable.id = 'memory-timeline';
    parent.appendChild(phaseTable);
  }

  return {
    name: 'memory',
    title: 'Memory',
    dependsOn: ['report', 'selection', 'theme'],
    render(element) {
      const report = context.store.report;
      if (!report) { noReport(element); return; }
      element.appendChild(summaryTiles(report));
      const perBlockSection = section('Activations per block');
      element.appendChild(perBlockSection);
      perBlock(perBlockSection, report);
      const depthSection = section('Peak memory against depth');
      element.appendChild(depthSection);
      depth(depthSection, report);
      const timelineSection = section('Live tensor bytes through one training step');
      element.appendChild(timelineSection);
      timeline(timelineSection, report);
    },
    dispose() {
      charts.destroyAll();
      blockTable = undefined;
    },
  };
}
