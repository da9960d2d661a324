// Maps a measure's values to colors: a log scale when every value is positive and they span at least two
// decades, else linear. The palette is viridis (perceptually even, readable on light and dark backgrounds,
// and for the common color-vision deficiencies). Pure.

/** viridis at 0, 1/8, …, 1 */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

export interface ColorScale {
  kind: 'log' | 'linear';
  min: number;
  max: number;
  /** position of a value along the palette, 0..1 (clamped); undefined for a value the scale cannot place */
  position(value: number): number | undefined;
}

/** decades the values must span for a log scale */
export const LOG_SPAN_DECADES = 2;

export function makeScale(values: readonly number[]): ColorScale | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  if (min > 0 && Math.log10(max / min) >= LOG_SPAN_DECADES) {
    const low = Math.log10(min);
    const span = Math.log10(max) - low;
    return {
      kind: 'log', min, max,
      position: (v) => (Number.isFinite(v) && v > 0 ? clamp((Math.log10(v) - low) / span) : undefined),
    };
  }
  const span = max - min;
  return { kind: 'linear', min, max, position: (v) => (Number.isFinite(v) ? (span === 0 ? 0.5 : clamp((v - min) / span)) : undefined) };
}

function clamp(t: number): number {
  return Math.min(1, Math.max(0, t));
}

/** the palette's color at t (0..1), linearly between its stops */
export function colorAt(t: number): [number, number, number] {
  const scaled = clamp(t) * (PALETTE.length - 1);
  const i = Math.min(PALETTE.length - 2, Math.floor(scaled));
  const f = scaled - i;
  const a = PALETTE[i];
  const b = PALETTE[i + 1];
  return [0, 1, 2].map((k) => Math.round((a[k]) + f * ((b[k]) - (a[k])))) as [number, number, number];
}

export function rgb([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** black or white text, whichever reads better on the color (relative luminance, WCAG) */
export function textOn([r, g, b]: readonly [number, number, number]): 'dark' | 'light' {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  return luminance > 0.22 ? 'dark' : 'light';
}
