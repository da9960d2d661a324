// Draws small tensors (HWC, or 1×H×W×C) on canvases: an image, a grid of channels, a heat map.
import type { PlainTensor } from '../protocol/tensor';
import { el } from './dom';

export interface Hwc {
  height: number;
  width: number;
  channels: number;
  data: ArrayLike<number>;
}

export function asHwc(tensor: PlainTensor): Hwc {
  const shape = tensor.shape[0] === 1 && tensor.shape.length === 4 ? tensor.shape.slice(1) : tensor.shape;
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1, data: tensor.data };
  if (shape.length !== 3) throw new Error(`expected an HWC tensor, got shape [${tensor.shape.join(', ')}]`);
  return { height: shape[0], width: shape[1], channels: shape[2], data: tensor.data };
}

function range(values: ArrayLike<number>, start: number, stride: number, count: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[start + i * stride];
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return Number.isFinite(min) ? [min, max] : [0, 0];
}

export type Range = [min: number, max: number];

/** the finite values' smallest and largest ([0, 0] when there are none) */
export function valueRange(tensor: PlainTensor): Range {
  return range(tensor.data, 0, 1, tensor.data.length);
}

/** each channel's range (HWC, channels last) */
export function channelRanges(tensor: PlainTensor): Range[] {
  const t = asHwc(tensor);
  return Array.from({ length: t.channels }, (_, c) => range(t.data, c, t.channels, t.height * t.width));
}

/** the range covering both */
export function unionRange(a: Range, b: Range): Range {
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

function canvasOf(width: number, height: number, displayWidth: number, label: string): HTMLCanvasElement {
  const canvas = el('canvas', { role: 'img', 'aria-label': label, class: 'tensor' });
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${displayWidth}px`;
  return canvas;
}

/** an image: grey for one channel, RGB for three (else the first channel), scaled min..max to 0..255
 *  (its own range, or `shared` when several images share one; values outside it clamp) */
export function imageCanvas(tensor: PlainTensor, displayWidth: number, label: string, shared?: Range): HTMLCanvasElement {
  const t = asHwc(tensor);
  const canvas = canvasOf(t.width, t.height, displayWidth, label);
  const context = canvas.getContext('2d');
  if (!context) return canvas;
  const pixels = context.createImageData(t.width, t.height);
  const [min, max] = shared ?? range(t.data, 0, 1, t.height * t.width * t.channels);
  const scale = max > min ? 255 / (max - min) : 0;
  const rgb = t.channels === 3;
  for (let p = 0; p < t.height * t.width; p++) {
    for (let k = 0; k < 3; k++) {
      const v = t.data[p * t.channels + (rgb ? k : 0)];
      pixels.data[p * 4 + k] = Number.isFinite(v) ? (v - min) * scale : 0;
    }
    pixels.data[p * 4 + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
  return canvas;
}

export interface ChannelGrid {
  canvas: HTMLCanvasElement;
  columns: number;
  /** the channel under a point of the displayed canvas, if any */
  channelAt(offsetX: number, offsetY: number): number | undefined;
}

/** every channel as a grey tile, each scaled to its own min..max (or to `scales[c]` when shared with another
 *  tensor's channels), in a near-square grid with 1-pixel gaps */
export function channelGrid(tensor: PlainTensor, displayWidth: number, label: string, scales?: readonly Range[]): ChannelGrid {
  const t = asHwc(tensor);
  const columns = Math.ceil(Math.sqrt(t.channels));
  const rows = Math.ceil(t.channels / columns);
  const width = columns * (t.width + 1) - 1;
  const height = rows * (t.height + 1) - 1;
  const canvas = canvasOf(width, height, displayWidth, label);
  const context = canvas.getContext('2d');
  if (context) {
    const pixels = context.createImageData(width, height);
    for (let c = 0; c < t.channels; c++) {
      const [min, max] = scales?.[c] ?? range(t.data, c, t.channels, t.height * t.width);
      const scale = max > min ? 255 / (max - min) : 0;
      const x0 = (c % columns) * (t.width + 1);
      const y0 = Math.floor(c / columns) * (t.height + 1);
      for (let y = 0; y < t.height; y++) {
        for (let x = 0; x < t.width; x++) {
          const v = t.data[(y * t.width + x) * t.channels + c];
          const o = ((y0 + y) * width + x0 + x) * 4;
          const g = Number.isFinite(v) ? (v - min) * scale : 0;
          pixels.data[o] = g;
          pixels.data[o + 1] = g;
          pixels.data[o + 2] = g;
          pixels.data[o + 3] = 255;
        }
      }
    }
    context.putImageData(pixels, 0, 0);
  }
  return {
    canvas,
    columns,
    channelAt(offsetX, offsetY) {
      const scale = width / (canvas.clientWidth || displayWidth);
      const x = Math.floor((offsetX * scale) / (t.width + 1));
      const y = Math.floor((offsetY * scale) / (t.height + 1));
      const c = y * columns + x;
      return x >= 0 && x < columns && c >= 0 && c < t.channels ? c : undefined;
    },
  };
}

// a perceptually ordered dark-to-bright map (inferno's endpoints and three inner stops)
const HEAT_STOPS: [number, number, number][] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

export function heatColour(fraction: number): [number, number, number] {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(f));
  const t = f - i;
  const a = HEAT_STOPS[i];
  const b = HEAT_STOPS[i + 1];
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** |values| (the largest over channels) from 0 to their maximum, as a heat map; returns the maximum too */
export function heatCanvas(tensor: PlainTensor, displayWidth: number, label: string): { canvas: HTMLCanvasElement; max: number } {
  const t = asHwc(tensor);
  const canvas = canvasOf(t.width, t.height, displayWidth, label);
  const magnitude = new Float64Array(t.height * t.width);
  let max = 0;
  for (let p = 0; p < magnitude.length; p++) {
    let m = 0;
    for (let c = 0; c < t.channels; c++) m = Math.max(m, Math.abs(t.data[p * t.channels + c]));
    magnitude[p] = m;
    if (m > max) max = m;
  }
  const context = canvas.getContext('2d');
  if (context) {
    const pixels = context.createImageData(t.width, t.height);
    for (let p = 0; p < magnitude.length; p++) {
      const [r, g, b] = heatColour(max > 0 ? magnitude[p] / max : 0);
      pixels.data.set([r, g, b, 255], p * 4);
    }
    context.putImageData(pixels, 0, 0);
  }
  return { canvas, max };
}

/** the colour scale of heatCanvas, as a horizontal strip */
export function heatLegend(width: number): HTMLCanvasElement {
  const canvas = canvasOf(64, 1, width, 'heat map colour scale from 0 (dark) to the maximum (bright)');
  canvas.classList.add('legend');
  const context = canvas.getContext('2d');
  if (context) {
    const pixels = context.createImageData(64, 1);
    for (let x = 0; x < 64; x++) pixels.data.set([...heatColour(x / 63), 255], x * 4);
    context.putImageData(pixels, 0, 0);
  }
  return canvas;
}
