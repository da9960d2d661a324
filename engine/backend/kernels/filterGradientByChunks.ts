// The filter gradient of a stride-1 convolution on wasm as a sum of small matrix products, one per
// chunk of ~2K output positions: rows of one large image, or several whole small images (9 of MNIST's
// 14x14 planes, 25 of CIFAR's 8x8):
//   dw[(a,b,i), o] = Σ_chunks Σ_{(r,c) in chunk} xPadded[n, r + a, c + b, i] · dy[n, r, c, o].
// Why: as one product (or one convolution, as before) the reduction runs over all N·H·W positions, so
// XNNPACK streams a packed operand of N·H·W rows from memory for every tile of the result and sums
// N·H·W float32 terms in one accumulator. Chunks of ~2K positions keep the packed operand in cache and
// the sums short; the chunk results are added pairwise.
// How the left operand is built without an im2col gather: with x transposed to planes [N, Ci, Hp, Wp]
// (padded), the Wp-wide padded rows r..r+R of plane i shifted by tap (a,b) are one contiguous run,
// starting at (r + a)·Wp + b. Taking all Wp columns (not just OW) is harmless when dy's rows are
// copied Wp wide with zeros after them: the few values a run picks up from the next row meet those zeros.
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convGeometry';
import type { KernelComposer } from './kernelComposer';

/** positions per chunk: small enough for cache-resident packing, long enough for few calls */
const CHUNK_POSITIONS = 2048;

/** What of the wasm backend this kernel uses: allocation and a view of a tensor's memory. */
interface WasmMemory {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function isWasmMemory(backend: tf.KernelBackend): backend is tf.KernelBackend & WasmMemory {
  const candidate = backend as Partial<WasmMemory>;
  return typeof candidate.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function';
}

/** stride 1 (any filter size and padding): the case this kernel handles */
export function suitsChunkedFilterGradient(g: ConvGeometry, backend: tf.KernelBackend): boolean {
  return g.strideHeight === 1 && g.strideWidth === 1 && isWasmMemory(backend);
}

export function chunkedFilterGradient(k: KernelComposer, backend: tf.KernelBackend, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  if (!isWasmMemory(backend)) throw new Error('the chunked filter gradient needs the wasm backend');
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, padTop, padLeft } = g;
  // Stride 1: the padded input is exactly (out + filter - 1) wide and tall; one more row below lets the
  // last tap's run overrun its plane by filterWidth - 1 values without leaving the buffer.
  const shape = [filterHeight, filterWidth, inChannels, outChannels];
  // an empty batch or output sums nothing (and the wasm Transpose cannot take an empty tensor)
  if (batch * outHeight * outWidth === 0) return k.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  const paddedWidth = outWidth + filterWidth - 1;
  const paddedHeight = outHeight + filterHeight - 1;
  const planes = k.transpose(x, [0, 3, 1, 2]);
  const padded = k.run('PadV2', { x: planes }, {
    paddings: [[0, 0], [0, 0], [padTop, paddedHeight - inHeight - padTop + 1], [padLeft, paddedWidth - inWidth - padLeft]],
    constantValue: 0,
  });
  const planeSize = (paddedHeight + 1) * paddedWidth;
  const rows = filterHeight * filterWidth * inChannels;
  const chunks = planChunks(batch, outHeight, paddedWidth);
  // Pairwise summation as the chunks come, like a binary counter: sums[j] covers 2^j chunks, and two
  // sums of one size merge at once, so at most log2(chunks) + 1 partial results are alive (each is
  // as large as the filter) and the rounding error grows with log2(chunks), not with their number.
  const sums: { value: tf.TensorInfo; chunks: number }[] = [];
  const add = (a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo => {
    const total = k.run('Add', { a, b });
    k.release(a);
    k.release(b);
    return total;
  };
  const rowLength = outWidth * outChannels;
  const paddedRowLength = paddedWidth * outChannels;
  for (const segments of chunks) {
    const length = segments.reduce((sum, s) => sum + s.rows, 0) * paddedWidth;
    const left = k.track(backend.makeOutput([1, rows, length], 'float32'));
    const right = k.track(backend.makeOutput([1, length, outChannels], 'float32'));
    // views after the allocations: an allocation may grow (and so detach) the wasm memory. The copies run
    // inside one view of the whole heap (copyWithin: no view object per run of a few hundred values)
    const rightValues = backend.typedArrayFromHeap(right);
    const heap = new Float32Array(rightValues.buffer);
    const at = (info: tf.TensorInfo): number => backend.typedArrayFromHeap(info).byteOffset / Float32Array.BYTES_PER_ELEMENT;
    const [sourceAt, leftAt, rightAt, dyAt] = [at(padded), at(left), rightValues.byteOffset / Float32Array.BYTES_PER_ELEMENT, at(dy)];
    // dy's rows, each followed by zeros up to the padded width
    if (paddedWidth > outWidth) rightValues.fill(0);
    let offset = 0;
    for (const { n, r0, rows: segmentRows } of segments) {
      const segmentLength = segmentRows * paddedWidth;
      for (let a = 0; a < filterHeight; a++) {
        for (let b = 0; b < filterWidth; b++) {
          for (let i = 0; i < inChannels; i++) {
            const start = sourceAt + (n * inChannels + i) * planeSize + (r0 + a) * paddedWidth + b;
            heap.copyWithin(leftAt + ((a * filterWidth + b) * inChannels + i) * length + offset, start, start + segmentLength);
          }
        }
      }
      for (let r = 0; r < segmentRows; r++) {
        const dyStart = dyAt + (n * outHeight + r0 + r) * rowLength;
        heap.copyWithin(rightAt + (offset / paddedWidth + r) * paddedRowLength, dyStart, dyStart + rowLength);
      }
      offset += segmentLength;
    }
    let sum = { value: k.run('BatchMatMul', { a: left, b: right }, { transposeA: false, transposeB: false }), chunks: 1 };
    k.release(left);
    k.release(right);
    for (let top = sums.at(-1); top?.chunks === sum.chunks; top = sums.at(-1)) {
      sums.pop();
      sum = { value: add(top.value, sum.value), chunks: 2 * sum.chunks };
    }
    sums.push(sum);
  }
  let total: tf.TensorInfo | undefined;
  for (let next = sums.pop(); next !== undefined; next = sums.pop()) total = total === undefined ? next.value : add(next.value, total);
  if (total === undefined) throw new Error('the chunked filter gradient summed no chunk');
  return k.reshape(total, shape);
}

/** output rows r0 .. r0 + rows - 1 of image n */
interface Segment {
  n: number;
  r0: number;
  rows: number;
}

/**
 * Chunks of at most CHUNK_POSITIONS positions (at least one row): an image taller than a chunk is cut into
 * runs of rows; smaller images are taken whole, as many to a chunk as fit.
 */
export function planChunks(batch: number, outHeight: number, paddedWidth: number): Segment[][] {
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_POSITIONS / paddedWidth));
  const chunks: Segment[][] = [];
  if (rowsPerChunk < outHeight) {
    for (let n = 0; n < batch; n++) {
      for (let r0 = 0; r0 < outHeight; r0 += rowsPerChunk) chunks.push([{ n, r0, rows: Math.min(rowsPerChunk, outHeight - r0) }]);
    }
    return chunks;
  }
  const imagesPerChunk = Math.floor(rowsPerChunk / outHeight);
  for (let first = 0; first < batch; first += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, batch - first);
    chunks.push(Array.from({ length: count }, (_, index) => ({ n: first + index, r0: 0, rows: outHeight })));
  }
  return chunks;
}
