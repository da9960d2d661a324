// The panel's number formats, written again for the tests from their description (not imported from shared/format.ts),
// so a change in the panel's formatting is caught.
export const fmtError = (v: number): string => (v === 0 ? '0' : v.toExponential(2));
export const fmtCount = (v: number): string => String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
export function fmtBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}
export const fmtRatio = (v: number): string => `${v.toFixed(2)}×`;
export const fmtPercent = (v: number): string => `${(v * 100).toFixed(2)}%`;
export const fmtAngle = (degrees: number): string => (degrees !== 0 && Math.abs(degrees) < 1e-3 ? degrees.toExponential(2) : degrees.toFixed(4));
export const angleOf = (cosine: number): number => (Math.acos(Math.min(1, cosine)) * 180) / Math.PI;
