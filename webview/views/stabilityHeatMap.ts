// The Training view's stability heat map: reversible block × tracked step, coloured by the chain
// reconstruction error (log scale), from the stability records the engine attaches to progress events
// (engine/stability/tracking.ts), and the worst block's chain error against step. Drawn on a canvas (no inline
// styles); a table of the latest record carries the same numbers for screen readers.
import type { ProgressEvent } from '../../protocol/engineApi';
import type { StabilityRecord } from '../../protocol/stabilityReport';
import { type Chart, chartBox, logTicks, makeChart } from '../charts';
import { clear, el, num, table } from '../dom';
import { formatError } from '../../shared/format';
import type { ThemeColours } from '../theme';

/** a measured error: a number, or null where a JSON file (history.jsonl) wrote a NaN or ±∞ — non-finite, shown as NaN */
function errorValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return value === null ? Number.NaN : undefined;
}

/**
 * The well-formed stability records among the progress events, in step order. Events read back from a run
 * folder's history.jsonl carry non-finite errors as null (JSON has no NaN): they come back as NaN, so that an
 * exploded block is drawn as exploded instead of its record being dropped.
 */
export function stabilityRecords(events: readonly ProgressEvent[]): StabilityRecord[] {
  const records: StabilityRecord[] = [];
  for (const event of events) {
    const record = event.stability;
    if (record === undefined || !Array.isArray(record.blocks) || typeof record.step !== 'number') continue;
    if (!record.blocks.every((b) => typeof b.id === 'string' && errorValue(b.chainRelL2) !== undefined)) continue;
    records.push({
      ...record,
      blocks: record.blocks.map((b) => {
        const block = { ...b, oneBlockRelL2: errorValue(b.oneBlockRelL2) ?? Number.NaN, chainRelL2: errorValue(b.chainRelL2) ?? Number.NaN };
        const oneBlockMaxAbs = errorValue(b.oneBlockMaxAbs);
        const chainMaxAbs = errorValue(b.chainMaxAbs);
        if (oneBlockMaxAbs !== undefined) block.oneBlockMaxAbs = oneBlockMaxAbs;
        if (chainMaxAbs !== undefined) block.chainMaxAbs = chainMaxAbs;
        return block;
      }),
    });
  }
  return records;
}

/** log10 of the error mapped to [0, 1] between 1e-8 (0) and 1e-2 (1); NaN and ∞ are 1 */
export function heat(value: number): number {
  if (!Number.isFinite(value)) return 1;
  if (value <= 0) return 0;
  return Math.min(1, Math.max(0, (Math.log10(value) + 8) / 6));
}

function mix(a: [number, number, number], b: [number, number, number], t: number): string {
  const c = a.map((v, i) => Math.round(v + ((b[i]) - v) * t));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export class StabilityHeatMap {
  private readonly box: HTMLElement;
  private curve: Chart | undefined;
  private drawnCount = -1;

  constructor(parent: HTMLElement, private readonly theme: () => ThemeColours) {
    this.box = el('section', { id: 'training-stability' });
    parent.appendChild(this.box);
  }

  update(events: readonly ProgressEvent[]): void {
    const records = stabilityRecords(events);
    if (records.length === this.drawnCount) return;
    this.drawnCount = records.length;
    this.curve?.destroy();
    this.curve = undefined;
    clear(this.box);
    if (records.length === 0) return;
    const ids = (records[records.length - 1]).blocks.map((b) => b.id);
    this.box.appendChild(el('h3', {}, 'Stability through training'));
    this.box.appendChild(el('p', { class: 'note' }, 'Chain reconstruction error ‖x − x̂‖/‖x‖ of each reversible block on a fixed probe batch: from a neutral tone at 1e-8 or less to red at 1e-2 or more (or not finite).'));
    this.drawGrid(records, ids);
    this.drawCurve(records, ids);
    const last = records[records.length - 1];
    const latest = table(
      `Latest tracking, step ${last.step}`,
      ['Block', 'One block', 'Chain', 'Inverse Lipschitz'],
      last.blocks.map((b) => [b.id, num(formatError(b.oneBlockRelL2)), num(formatError(b.chainRelL2)), num(b.inverseLipschitz !== undefined ? b.inverseLipschitz.toFixed(2) : '—')]),
    );
    latest.id = 'training-stability-latest';
    this.box.appendChild(el('div', { class: 'table-scroll' }, latest));
  }

  private drawGrid(records: StabilityRecord[], ids: string[]): void {
    const theme = this.theme();
    const label = 90;
    const rowHeight = 16;
    const canvas = el('canvas', {
      id: 'training-stability-heatmap',
      role: 'img',
      'aria-label': `Heat map of chain reconstruction error: ${ids.length} blocks by ${records.length} tracked steps, from step ${records[0]?.step ?? 0} to ${records[records.length - 1]?.step ?? 0}. The table below lists the latest values.`,
    });
    this.box.appendChild(canvas);
    const width = Math.max(200, Math.min(this.box.clientWidth || 360, 800));
    const height = ids.length * rowHeight + 20;
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.classList.add('heatmap');
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.scale(scale, scale);
    ctx.font = `10px ${theme.fontFamily}`;
    ctx.fillStyle = theme.foreground;
    ctx.textBaseline = 'middle';
    const cellWidth = (width - label) / records.length;
    const cold: [number, number, number] = theme.background.startsWith('#') && parseInt(theme.background.slice(1, 3), 16) < 128 ? [40, 40, 60] : [235, 240, 250];
    const hot: [number, number, number] = [200, 20, 20];
    ids.forEach((id, row) => {
      ctx.fillStyle = theme.foreground;
      ctx.fillText(id, 2, row * rowHeight + rowHeight / 2);
      records.forEach((record, column) => {
        const block = record.blocks.find((b) => b.id === id);
        ctx.fillStyle = block === undefined ? theme.background : mix(cold, hot, heat(block.chainRelL2));
        ctx.fillRect(label + column * cellWidth, row * rowHeight + 1, Math.max(1, cellWidth - 1), rowHeight - 2);
      });
    });
    ctx.fillStyle = theme.foreground;
    ctx.fillText(`step ${records[0]?.step ?? 0}`, label, ids.length * rowHeight + 10);
    const end = `step ${records[records.length - 1]?.step ?? 0}`;
    ctx.fillText(end, width - ctx.measureText(end).width - 2, ids.length * rowHeight + 10);
  }

  private drawCurve(records: StabilityRecord[], ids: string[]): void {
    const theme = this.theme();
    const last = records[records.length - 1];
    const worst = last.blocks.reduce((w, b) => (!(b.chainRelL2 <= w.chainRelL2) ? b : w), last.blocks[0] ?? { id: ids[0] ?? '', chainRelL2: 0, oneBlockRelL2: 0 });
    const points = records.map((r) => ({ x: r.step, y: r.blocks.find((b) => b.id === worst.id)?.chainRelL2 ?? null }));
    const { canvas } = chartBox(this.box, `Line chart of the chain reconstruction error of ${worst.id}, the worst block at the latest tracking, against step, log scale.`, 180);
    this.curve = makeChart(canvas, {
      type: 'line',
      data: { datasets: [{ label: `${worst.id} chain error`, data: points, borderColor: theme.red, backgroundColor: theme.red, pointRadius: 2, borderWidth: 1.5 }] },
      options: { parsing: false, scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { type: 'logarithmic', ticks: { callback: logTicks } } } },
    });
  }

  dispose(): void {
    this.curve?.destroy();
    this.curve = undefined;
  }
}
