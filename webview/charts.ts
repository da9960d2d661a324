// Chart.js, registered with only what the panel uses, themed from VS Code's variables.
// Every chart sits in a fixed-height box, has an aria-label, and is paired with a table of the same numbers.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartType,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { el } from './dom';
import type { ThemeColours } from './theme';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
);

export function applyChartTheme(theme: ThemeColours): void {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.tooltip.backgroundColor = theme.background;
  Chart.defaults.plugins.tooltip.titleColor = theme.foreground;
  Chart.defaults.plugins.tooltip.bodyColor = theme.foreground;
  Chart.defaults.plugins.tooltip.borderColor = theme.highContrast ? theme.focus : theme.grid;
  Chart.defaults.plugins.tooltip.borderWidth = 1;
}

/** A chart in a box of the given height (px). The box is added to the page before the chart draws. */
export function chartBox(parent: HTMLElement, label: string, height: number): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = el('canvas', { role: 'img', 'aria-label': label });
  const box = el('div', { class: 'chart' }, canvas);
  box.style.height = `${height}px`;
  parent.appendChild(box);
  return { box, canvas };
}

export function makeChart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>): Chart<T> {
  return new Chart(canvas, config);
}

/** tick labels of a log axis: powers of ten as 1e-6, other ticks hidden so labels never crowd */
export function logTicks(value: number | string): string {
  const v = Number(value);
  const exponent = Math.log10(v);
  return Math.abs(exponent - Math.round(exponent)) < 1e-9 ? `1e${Math.round(exponent)}` : '';
}

/** the smallest positive value of the lists, for log-scale axes that must not start at 0 */
export function logFloor(...lists: (number | null)[][]): number | undefined {
  let min = Infinity;
  for (const list of lists) for (const v of list) if (v !== null && v > 0 && v < min) min = v;
  return Number.isFinite(min) ? 10 ** Math.floor(Math.log10(min)) : undefined;
}

/** the power of ten at or above the largest value, so the tallest log-scale bar is not cut at the top */
export function logCeil(...lists: (number | null)[][]): number | undefined {
  let max = 0;
  for (const list of lists) for (const v of list) if (v !== null && Number.isFinite(v) && v > max) max = v;
  return max > 0 ? 10 ** Math.ceil(Math.log10(max) - 1e-12) : undefined;
}

/** ensures a log axis shows something even when every value is 0 */
export function positiveOrNull(value: number): number | null {
  return Number.isFinite(value) && value > 0 ? value : null;
}

export type { Chart };
