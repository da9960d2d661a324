// Pieces several views share: the block link, the empty-state note, stat tiles, and chart lifetimes.
import type { BlockStats } from '../../protocol/inspectReport';
import type { Chart } from '../charts';
import { el } from '../dom';
import type { ViewContext } from './view';

/** a table cell holding a button that selects the block (keyboard: Tab to it, Enter) */
export function blockCell(block: BlockStats, context: ViewContext): HTMLTableCellElement {
  const button = el('button', { type: 'button', class: 'block-link', 'data-block': block.id, title: `Select ${block.id} everywhere` }, block.id);
  button.addEventListener('click', () => context.selectBlock(block.id));
  return el('td', { class: 'block' }, button);
}

/** marks table rows of the selected (and flagged) blocks */
export function markRows(table: HTMLTableElement, blocks: BlockStats[], selected: string | undefined, flagged?: (b: BlockStats) => boolean): void {
  const rows = table.tBodies.item(0)?.rows ?? [];
  blocks.forEach((block, i) => {
    const row = rows[i] as HTMLTableRowElement | undefined;
    if (row === undefined) return;
    row.dataset['block'] = block.id;
    row.classList.toggle('selected', block.id === selected);
    if (block.id === selected) row.setAttribute('aria-selected', 'true');
    else row.removeAttribute('aria-selected');
    if (flagged) row.classList.toggle('flagged', flagged(block));
  });
}

const NO_REPORT = 'No inspection yet. Run “RevNet: Inspect Model” to fill this panel.';
/** what the empty views say: never "No inspection yet" while an inspection runs */
let noReportText = NO_REPORT;

export function setNoReportBusy(what: string | undefined): void {
  noReportText = what === undefined ? NO_REPORT : `${what.charAt(0).toUpperCase()}${what.slice(1)}… the numbers appear here when it finishes.`;
  for (const placeholder of document.querySelectorAll('.no-report')) placeholder.textContent = noReportText;
}

export function noReport(element: HTMLElement): void {
  element.appendChild(el('p', { class: 'placeholder no-report' }, noReportText));
}

export function tiles(entries: [string, string, string?][]): HTMLElement {
  const list = el('dl', { class: 'tiles' });
  for (const [label, value, id] of entries) {
    list.appendChild(el('div', { class: 'tile', 'data-stat': id }, el('dt', {}, label), el('dd', {}, value)));
  }
  return list;
}

export function section(title: string, ...children: (Node | null)[]): HTMLElement {
  const s = el('section', {}, el('h3', {}, title));
  for (const child of children) if (child) s.appendChild(child);
  return s;
}

/** Keeps a view's charts so they are destroyed before it draws again. */
export class ChartSet {
  private charts: Chart[] = [];

  add<T extends Chart>(chart: T): T {
    this.charts.push(chart);
    return chart;
  }

  destroyAll(): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }
}

/** the x-axis label of a block: its id, with "(T)" for a non-invertible transition */
export function blockLabel(block: BlockStats): string {
  return block.kind === 'transition' ? `${block.id} (T)` : block.id;
}

/** the index of a clicked bar, from Chart.js's onClick elements */
export function clickedIndex(elements: { index: number }[]): number | undefined {
  return elements.length > 0 ? elements[0].index : undefined;
}
