// How numbers are written everywhere a user reads them: the panel, the editor's hovers and diagnostics,
// and the command line. One function per kind of number, so a value reads the same in each.
// Plain TypeScript with no imports: bundled into the extension, the engine and the webview alike.

/** errors (reconstruction, gradient): 3 significant digits in exponent form, e.g. "1.23e-7" */
export function formatError(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return value.toExponential(2);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** bytes in binary units (1 KiB = 1024 B) with 2 decimals, whole bytes below 1 KiB, e.g. "12.50 MiB" */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  return unit === 0 ? `${sign}${Math.round(value)} B` : `${sign}${value.toFixed(2)} ${BYTE_UNITS[unit]}`;
}

/** whole counts (parameters, examples) with thousands separators, e.g. "1,234,567" */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.round(value).toLocaleString('en-US');
}

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** large quantities in SI units (1 k = 1000) with 3 significant digits, e.g. "1.23 G" */
export function formatSi(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  let scaled = Math.abs(value);
  let unit = 0;
  while (scaled >= 1000 && unit < SI.length - 1) {
    scaled /= 1000;
    unit++;
  }
  const sign = value < 0 ? '-' : '';
  const prefix = SI[unit] ?? '';
  return `${sign}${unit === 0 ? String(Math.round(scaled)) : scaled.toPrecision(3)}${prefix !== '' ? ` ${prefix}` : ''}`;
}

/** floating-point operations in SI units, e.g. "1.23 GFLOP" */
export function formatFlops(value: number): string {
  const si = formatSi(value);
  return si.includes(' ') ? `${si}FLOP` : `${si} FLOP`;
}

/** the angle whose cosine is given, in degrees (the cosine is clamped to [-1, 1] first) */
export function degreesFromCosine(cosine: number): number {
  return (Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI;
}

/** an angle given in degrees: 4 decimals, or exponent form below a thousandth of a degree; no unit sign */
export function formatDegrees(degrees: number): string {
  if (!Number.isFinite(degrees)) return String(degrees);
  return degrees !== 0 && Math.abs(degrees) < 1e-3 ? degrees.toExponential(2) : degrees.toFixed(4);
}

/** a fraction as a percentage with 2 decimals, e.g. 0.9375 → "93.75%" */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)}%` : String(fraction);
}

/** a ratio with 2 decimals, e.g. "1.08×" */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : String(value);
}

/** a ratio measured over repeats: its median and spread, e.g. "1.32× (1.11×–1.61× over 5 repeats)" */
export function formatRatioSpread(spread: { median: number; min: number; max: number; repeats: number }): string {
  if (spread.repeats <= 1) return `${formatRatio(spread.median)} (one repeat)`;
  return `${formatRatio(spread.median)} (${formatRatio(spread.min)}–${formatRatio(spread.max)} over ${spread.repeats} repeats)`;
}

/** a tensor shape, e.g. "28×28×1" */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}
