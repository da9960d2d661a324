// Copies raw little-endian (or big-endian) element bytes into fresh, aligned typed arrays.
export type NumericArray = Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array;

interface Constructor<T> {
  new (length: number): T;
  BYTES_PER_ELEMENT: number;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `count` elements of `bytes` starting at `offset`, copied (the source may be unaligned). */
export function copyElements<T extends NumericArray>(
  Ctor: Constructor<T>,
  bytes: Uint8Array,
  offset: number,
  count: number,
  littleEndian = true,
): T {
  const out = new Ctor(count);
  const size = Ctor.BYTES_PER_ELEMENT;
  const target = new Uint8Array(out.buffer, out.byteOffset, count * size);
  target.set(bytes.subarray(offset, offset + count * size));
  if (size > 1 && littleEndian !== hostIsLittleEndian) {
    for (let i = 0; i < target.length; i += size) target.subarray(i, i + size).reverse();
  }
  return out;
}

/** The bytes of a typed array, little-endian, without copying on a little-endian host. */
export function littleEndianBytes(array: NumericArray): Uint8Array {
  const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (hostIsLittleEndian || array.BYTES_PER_ELEMENT === 1) return view;
  const copy = Uint8Array.from(view);
  const size = array.BYTES_PER_ELEMENT;
  for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return copy;
}

/** IEEE half precision to float32. */
export function halfToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * fraction * 2 ** -24;
    else if (exponent === 31) out[i] = fraction === 0 ? sign * Infinity : NaN;
    else out[i] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

/** bfloat16 (the high half of a float32) to float32. */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return new Float32Array(wide.buffer);
}

/** Product of a shape's dimensions, or -1 if it exceeds `limit` (checked as it grows, so it never overflows). */
export function boundedProduct(shape: readonly number[], limit: number): number {
  let product = 1;
  for (const dim of shape) {
    if (dim === 0) return 0;
  }
  for (const dim of shape) {
    product *= dim;
    if (product > limit) return -1;
  }
  return product;
}

/** The values as float32: the array itself when it already is one, else a converted copy. */
export function toFloat32(data: NumericArray): Float32Array {
  if (data instanceof Float32Array) return data;
  return data instanceof BigInt64Array ? Float32Array.from(data, Number) : Float32Array.from(data);
}

/** How many values are NaN or ±Infinity, and the flat index of the first (-1 when none). */
export function countNonFinite(data: ArrayLike<number | bigint>): { count: number; firstIndex: number } {
  let count = 0;
  let firstIndex = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'number' && !Number.isFinite(v)) {
      if (count === 0) firstIndex = i;
      count++;
    }
  }
  return { count, firstIndex };
}
