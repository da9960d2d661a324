// NaN and ±Infinity across JSON boundaries (the engine's IPC channel, webview messages, stored inspections).
// JSON has no such numbers: JSON.stringify writes them as null, and `Math.max(null, null)` is 0, so a NaN
// error would arrive as a perfect 0. Every sender encodes them as a tagged object, every receiver decodes.
// A tagged object cannot be confused with data: no message field holds an object with the single key "$nonFinite".

export const NON_FINITE_TAG = '$nonFinite';
type NonFiniteName = 'NaN' | 'Infinity' | '-Infinity';
export interface EncodedNonFinite { [NON_FINITE_TAG]: NonFiniteName }

function nameOf(value: number): NonFiniteName {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function isEncoded(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== NON_FINITE_TAG) return false;
  const name = value[NON_FINITE_TAG];
  return name === 'NaN' || name === 'Infinity' || name === '-Infinity';
}

/** A copy with every non-finite number (also inside typed arrays) replaced by its tag; other values kept as they are. */
export function encodeNonFinite(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [NON_FINITE_TAG]: nameOf(value) };
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    if (value instanceof Float32Array || value instanceof Float64Array) {
      return value.some((v) => !Number.isFinite(v)) ? Array.from(value, (v) => encodeNonFinite(v)) : value;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(encodeNonFinite);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = encodeNonFinite(item);
  return out;
}

/** The inverse of encodeNonFinite: tags back to NaN / ±Infinity. */
export function decodeNonFinite(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(decodeNonFinite);
  const record = value as Record<string, unknown>;
  if (isEncoded(record)) {
    const name = record[NON_FINITE_TAG];
    return name === 'NaN' ? Number.NaN : name === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = decodeNonFinite(item);
  return out;
}

/** An error is flagged when it exceeds the threshold or is not a finite number at all (NaN, ±Infinity, a lost null). */
export function exceedsThreshold(error: number | null, threshold: number): boolean {
  if (typeof error !== 'number' || !Number.isFinite(error)) return true;
  return error > threshold;
}
