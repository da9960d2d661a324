// Turning arrays read from files into a Split's pieces, each check naming the file it is about.
import { FileFormatError } from '../io/fileFormatError';
import { runToEnd, type Stepwise } from '../util/stepwise';

/** values converted between two yields of a loader (a few milliseconds of work) */
export const CHUNK = 1 << 20;

export type IntegerArray = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array;
export type PixelArray = Uint8Array | Float32Array | Float64Array;

/** uint8 pixels become value/255; float pixels are kept as they are but must be finite. */
export function pixelsToFloat(data: PixelArray, file: string): Float32Array {
  return runToEnd(pixelsToFloatSteps(data, file));
}

/** pixelsToFloat, yielding after every CHUNK values */
export function* pixelsToFloatSteps(data: PixelArray, file: string): Stepwise<Float32Array> {
  if (data instanceof Uint8Array) {
    const out = new Float32Array(data.length);
    for (let start = 0; start < data.length; start += CHUNK) {
      const end = Math.min(data.length, start + CHUNK);
      for (let i = start; i < end; i++) out[i] = data[i] / 255;
      yield;
    }
    return out;
  }
  const out = data instanceof Float32Array ? data : Float32Array.from(data);
  for (let start = 0; start < out.length; start += CHUNK) {
    const end = Math.min(out.length, start + CHUNK);
    for (let i = start; i < end; i++) {
      if (!Number.isFinite(out[i])) throw new FileFormatError(file, `pixel value ${i} is ${out[i]} (images must be finite)`);
    }
    yield;
  }
  return out;
}

/** Integer labels as int32, each in [0, classes) when classes is given. */
export function labelsToInt32(data: IntegerArray, file: string, classes?: number): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = typeof data[i] === 'bigint' ? Number(data[i]) : (data[i] as number);
    if (value < 0 || (classes !== undefined && value >= classes) || !Number.isSafeInteger(value) || value > 2 ** 31 - 1) {
      const range = classes !== undefined ? `0-${classes - 1}` : 'non-negative';
      throw new FileFormatError(file, `label ${i} is ${String(data[i])}, out of range (${range})`);
    }
    out[i] = value;
  }
  return out;
}

/** NCHW to NHWC, for count images of channels x height x width. */
export function nchwToNhwc(data: Float32Array, count: number, channels: number, height: number, width: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = height * width;
  for (let n = 0; n < count; n++) {
    const base = n * channels * plane;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) out[base + p * channels + c] = data[base + c * plane + p];
    }
  }
  return out;
}

export function maxLabel(labels: Int32Array): number {
  let max = -1;
  for (const label of labels) if (label > max) max = label;
  return max;
}
