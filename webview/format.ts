// How numbers are written in the panel. The webview tests re-implement these rules independently.

/** reconstruction and gradient errors: 3 significant digits in exponent form, e.g. "1.23e-7" */
export function formatError(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return value.toExponential(2);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** bytes in binary units with 2 decimals (whole bytes below 1 KiB), e.g. "12.50 MiB" */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  return unit === 0 ? `${sign}${value} B` : `${sign}${value.toFixed(2)} ${BYTE_UNITS[unit]}`;
}

/** integer counts with thousands separators, e.g. "1,234,567" */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** large quantities in SI units with 3 significant digits, e.g. "1.23 G" */
export function formatSi(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  let scaled = Math.abs(value);
  let unit = 0;
  while (scaled >= 1000 && unit < SI.length - 1) {
    scaled /= 1000;
    unit++;
  }
  const sign = value < 0 ? '-' : '';
  return `${sign}${unit === 0 ? String(Math.round(scaled)) : scaled.toPrecision(3)}${SI[unit] ? ` ${SI[unit]}` : ''}`;
}

/** cosine similarity with enough digits to see 1 - 1e-8 */
export function formatCosine(value: number): string {
  return Number.isFinite(value) ? value.toFixed(8) : String(value);
}

/** the angle whose cosine is given, in degrees */
export function angleDegrees(cosine: number): number {
  return (Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI;
}

export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)}%` : String(fraction);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : String(value);
}

export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** floating-point operations in SI units, e.g. "1.23 GFLOP" */
export function formatFlops(value: number): string {
  const si = formatSi(value);
  return si.includes(' ') ? `${si}FLOP` : `${si} FLOP`;
}

/** an angle in degrees: 4 decimals, or exponent form below a thousandth of a degree */
export function formatAngle(degrees: number): string {
  if (!Number.isFinite(degrees)) return String(degrees);
  return degrees !== 0 && Math.abs(degrees) < 1e-3 ? degrees.toExponential(2) : degrees.toFixed(4);
}
