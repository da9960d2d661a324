// Training: loss and accuracy curves, throughput and memory, updated live from the host's progress messages.
import type { ProgressEvent } from '../../protocol/engineApi';
import type { RunEnd } from '../../protocol/webviewMessages';
import { type Chart, chartBox, makeChart } from '../charts';
import { clear, el, num, table } from '../dom';
import { formatBytes, formatPercent } from '../../shared/format';
import { ChartSet, tiles } from './common';
import { StabilityHeatMap } from './stabilityHeatMap';
import type { View, ViewContext } from './view';

const MIB = 1024 * 1024;

/** the step within its epoch, 1-based (the engine counts `step` from the start of the run) */
export function stepInEpoch(event: ProgressEvent): number {
  return event.step - event.epoch * event.stepsPerEpoch;
}

/** the run's state in words: never "training" once the host said the run ended */
export function runState(last: ProgressEvent, end: RunEnd | undefined): string {
  if (end !== undefined) {
    switch (end.status) {
      case 'finished': return 'finished';
      case 'cancelled': return `stopped at step ${end.step ?? last.step} (checkpoint saved)`;
      case 'diverged': return `diverged at step ${end.step ?? last.step}`;
      case 'failed': return 'failed (see the log)';
    }
  }
  return last.kind === 'done' ? 'finished' : 'training';
}

export function trainingView(context: ViewContext): View {
  const charts = new ChartSet();
  let lossChart: Chart | undefined;
  let speedChart: Chart | undefined;
  let tileArea: HTMLElement | undefined;
  let epochArea: HTMLElement | undefined;
  let drawn = 0;
  let runId: string | undefined;
  let redrawQueued = false;
  let heatMap: StabilityHeatMap | undefined;
  /** the store's series the charts were drawn from */
  let series: ProgressEvent[] | undefined;

  /** progress can arrive many times a second: the charts redraw at most once per frame */
  function queueRedraw(): void {
    if (redrawQueued) return;
    redrawQueued = true;
    requestAnimationFrame(() => {
      redrawQueued = false;
      lossChart?.update('none');
      speedChart?.update('none');
    });
  }

  function drawTiles(): void {
    if (!tileArea) return;
    clear(tileArea);
    const events = context.store.progress;
    const last = events.at(-1);
    if (!last) return;
    const test = [...events].reverse().find((e) => e.testAccuracy !== undefined)?.testAccuracy;
    tileArea.appendChild(
      tiles([
        ['State', runState(last, context.store.runEnd), 'state'],
        ['Epoch', `${Math.min(last.epoch + 1, last.epochs)} / ${last.epochs}`, 'epoch'],
        ['Step', last.kind === 'done' ? `${last.step} in all` : `${stepInEpoch(last)} / ${last.stepsPerEpoch} (${last.step} in all)`, 'step'],
        ['Loss', last.loss.toFixed(4), 'loss'],
        ['Accuracy', formatPercent(last.accuracy), 'accuracy'],
        ['Test accuracy', test !== undefined ? formatPercent(test) : '—', 'testAccuracy'],
        ['Examples / s', last.examplesPerSecond.toFixed(1), 'examplesPerSecond'],
        ['Memory', formatBytes(last.memoryBytes), 'memory'],
        ['Backend', last.backend, 'backend'],
      ]),
    );
  }

  function drawEpochs(): void {
    if (!epochArea) return;
    clear(epochArea);
    const ends = context.store.progress.filter((e) => e.kind === 'epoch' || e.kind === 'done');
    const epochTable = table(
      'Per epoch (the charts’ numbers at each epoch end)',
      ['Epoch', 'Loss', 'Accuracy', 'Test accuracy', 'Examples / s', 'Memory'],
      ends.map((e) => [num(e.kind === 'done' ? 'final' : String(e.epoch + 1)), num(e.loss.toFixed(4)), num(formatPercent(e.accuracy)), num(e.testAccuracy !== undefined ? formatPercent(e.testAccuracy) : '—'), num(e.examplesPerSecond.toFixed(1)), num(formatBytes(e.memoryBytes))]),
    );
    epochTable.id = 'training-epochs';
    epochArea.appendChild(epochTable);
  }

  /** appends the events not yet in the charts */
  function extend(): void {
    const events = context.store.progress;
    if (!lossChart || !speedChart) return;
    for (const event of events.slice(drawn)) {
      const x = event.step;
      lossChart.data.datasets[0].data.push({ x, y: event.loss });
      lossChart.data.datasets[1].data.push({ x, y: event.accuracy });
      if (event.testAccuracy !== undefined) lossChart.data.datasets[2].data.push({ x, y: event.testAccuracy });
      speedChart.data.datasets[0].data.push({ x, y: event.examplesPerSecond });
      speedChart.data.datasets[1].data.push({ x, y: event.memoryBytes / MIB });
    }
    drawn = events.length;
    queueRedraw();
  }

  return {
    name: 'training',
    title: 'Training',
    dependsOn: ['progress', 'theme'],
    render(element) {
      const theme = context.theme();
      drawn = 0;
      series = context.store.progress;
      runId = context.store.progress[0]?.runId;
      element.appendChild(el('p', { class: 'placeholder', id: 'training-empty', hidden: context.store.progress.length > 0 }, 'No training history for this model yet. Train it (“RevNet: Train Model…” or revnet train): its curves appear here live, and stay in its run folder (history.jsonl).'));
      tileArea = el('div', { id: 'training-tiles' });
      element.appendChild(tileArea);
      const xAxis = { type: 'linear' as const, title: { display: true, text: 'step' }, ticks: { precision: 0 } };
      const lossBox = chartBox(element, 'Line chart of training loss and accuracy against step. The per-epoch table lists the values at each epoch end.', 240);
      lossChart = charts.add(
        makeChart(lossBox.canvas, {
          type: 'line',
          data: {
            datasets: [
              { label: 'loss', data: [], borderColor: theme.orange, backgroundColor: theme.orange, yAxisID: 'loss', pointRadius: 0, borderWidth: 1.5 },
              { label: 'accuracy', data: [], borderColor: theme.blue, backgroundColor: theme.blue, yAxisID: 'accuracy', pointRadius: 0, borderWidth: 1.5 },
              { label: 'test accuracy', data: [], borderColor: theme.green, backgroundColor: theme.green, yAxisID: 'accuracy', pointRadius: 5, showLine: false },
            ],
          },
          options: {
            parsing: false,
            scales: {
              x: xAxis,
              loss: { type: 'linear', position: 'left', title: { display: true, text: 'loss' }, beginAtZero: true },
              accuracy: { type: 'linear', position: 'right', min: 0, max: 1, title: { display: true, text: 'accuracy' }, grid: { drawOnChartArea: false } },
            },
          },
        }),
      );
      const speedBox = chartBox(element, 'Line chart of examples per second and memory in MiB against step.', 200);
      speedChart = charts.add(
        makeChart(speedBox.canvas, {
          type: 'line',
          data: {
            datasets: [
              { label: 'examples / s', data: [], borderColor: theme.purple, backgroundColor: theme.purple, yAxisID: 'speed', pointRadius: 0, borderWidth: 1.5 },
              { label: 'memory (MiB)', data: [], borderColor: theme.yellow, backgroundColor: theme.yellow, yAxisID: 'memory', pointRadius: 0, borderWidth: 1.5 },
            ],
          },
          options: {
            parsing: false,
            scales: {
              x: xAxis,
              speed: { type: 'linear', position: 'left', title: { display: true, text: 'examples / s' }, beginAtZero: true },
              memory: { type: 'linear', position: 'right', title: { display: true, text: 'MiB' }, beginAtZero: true, grid: { drawOnChartArea: false } },
            },
          },
        }),
      );
      epochArea = el('section', { id: 'training-epoch-section' });
      element.appendChild(epochArea);
      heatMap = new StabilityHeatMap(element, () => context.theme());
      heatMap.update(context.store.progress);
      extend();
      drawTiles();
      drawEpochs();
    },
    update(change) {
      if (change !== 'progress' || !lossChart) return false;
      const events = context.store.progress;
      // a new run (the store restarted the series) draws from scratch
      // so does a history read from the run folder (a new series, not an append)
      if (events !== series || events.length < drawn || (runId !== undefined && events[0]?.runId !== runId)) return false;
      runId = events[0]?.runId;
      const empty = document.getElementById('training-empty');
      if (empty) empty.hidden = events.length > 0;
      const endedEpoch = events.slice(drawn).some((e) => e.kind !== 'step');
      extend();
      drawTiles();
      if (endedEpoch) drawEpochs();
      heatMap?.update(events);
      return true;
    },
    dispose() {
      charts.destroyAll();
      heatMap?.dispose();
      heatMap = undefined;
      lossChart = undefined;
      speedChart = undefined;
    },
  };
}
