// The filter gradient of a stride-1 convolution on wasm as a sum of small matrix products over a shared grid.
// x (padded) and dy are laid out on one grid of cells, a cell per image (cellHeight x cellWidth positions,
// dy at each cell's top left, zeros after it), so that tap (a,b) pairs every output position q with the
// input position q + a·cellWidth + b, one shift for the whole grid:
//   dw[a,b,i,o] = Σ_q x[q + a·cellWidth + b, i] · dy[q, o]      (positions outside the grid read zero)
// Neighbouring cells share the zero rows and columns both paddings have (a 7x7 'same' 3x3 image takes an
// 8x8 cell, not 9x9): a tap reaching past its cell lands in the next cell's padding, which is zero as well.
// Per chunk of ≤ CHUNK_POSITIONS grid positions, one XNNPACK matrix product (left x right):
// - left: the side with more channels, spread over the taps: one row per (tap, channel), a run of that
//   channel's plane shifted by the tap (copyWithin from the side's channel-major grid);
// - right: the side with fewer channels, the chunk's grid rows as they are, or, when its channels fill less
//   than one 8-column tile of the product even times the filter's width, spread over the filter's columns
//   too (columns (b, channel), each a shifted run, transposed into place), the left rows then covering
//   only the filter's rows. Substituting q → q ± shift moves a tap's shift from one side to the other.
// Why: the wasm product packs its right operand at ~4 ns a value on every call (its "weights"), then
// multiplies at ~16 GMAC/s when the result has ≥ 8 columns and 4x slower at 2 (8-wide tiles). So the packed
// side is the thin one, the thin side is widened to a tile where it is very thin (mnist-small's 32 → 2
// and 2 → 32 channels), and JavaScript copies (~0.05 µs each however short) take chunk-long runs.
// Precision: every accumulator sums at most CHUNK_POSITIONS products; the chunk results are added pairwise
// (at most log2(chunks) + 1 filter-sized partial results alive).
import type * as tf from '@tensorflow/tfjs-core';
import { farPaddings, type ConvGeometry } from './convGeometry';
import type { KernelComposer } from './kernelComposer';
import { PairwiseSum } from './pairwiseSum';
import { isWasmMemory } from './wasmMemory';

/** grid positions per chunk: the longest sum one accumulator makes (precision), long enough for few calls */
export const CHUNK_POSITIONS = 2048;

/** the wasm product's tile width (XNNPACK's f32 GEMM on wasm SIMD): a right side narrower than this wastes work */
const PRODUCT_TILE_COLUMNS = 8;

/** stride 1 (any filter size and padding): the case this kernel handles */
export function suitsGridFilterGradient(g: ConvGeometry, backend: tf.KernelBackend): boolean {
  return g.strideHeight === 1 && g.strideWidth === 1 && isWasmMemory(backend);
}

/** How the kernel lays out one convolution's gradient (exported for the tests, which cover every choice). */
export interface GridPlan {
  /** one image's cell: dy's rows and columns, then as many zeros as the filter needs beyond both paddings */
  cellHeight: number;
  cellWidth: number;
  /** which side is spread over the taps on the left of the product: the one with more channels (x on a tie) */
  left: 'x' | 'dy';
  /** whether the right side is spread over the filter's columns (it is narrower than a product tile even so) */
  spreadRight: boolean;
}

export function gridPlan(g: ConvGeometry): GridPlan {
  const left = g.inChannels >= g.outChannels ? 'x' : 'dy';
  const rightChannels = left === 'x' ? g.outChannels : g.inChannels;
  return {
    ...gridCell(g),
    left,
    spreadRight: g.filterWidth > 1 && g.filterWidth * rightChannels <= PRODUCT_TILE_COLUMNS,
  };
}

function gridCell(g: ConvGeometry): { cellHeight: number; cellWidth: number } {
  // Stride 1: the padded input is out + filter - 1 tall; two neighbouring cells may overlap in as many
  // rows as are zero in both (the smaller of the two paddings), and a cell holds at least dy's rows.
  const paddedHeight = g.outHeight + g.filterHeight - 1;
  const paddedWidth = g.outWidth + g.filterWidth - 1;
  const { padBottom, padRight } = farPaddings(g);
  return {
    cellHeight: Math.max(g.outHeight, paddedHeight - Math.min(g.padTop, padBottom)),
    cellWidth: Math.max(g.outWidth, paddedWidth - Math.min(g.padLeft, padRight)),
  };
}

/** One side of the product: x or dy on the grid. */
interface GridSide {
  /** [N, H, W, C] as given */
  tensor: tf.TensorInfo;
  channels: number;
  /** where the tensor's first row and column go in its cell */
  top: number;
  left: number;
}

/** The side's grid rows [N + emptyCells, cellHeight, cellWidth·C] (PadV2 of whole rows: one copy per row, not per pixel). */
function gridRows(k: KernelComposer, side: GridSide, cellHeight: number, cellWidth: number, emptyCells = 0): tf.TensorInfo {
  const [batch, height, width, channels] = side.tensor.shape as [number, number, number, number];
  const rows = k.reshape(side.tensor, [batch, height, width * channels]);
  return k.run('PadV2', { x: rows }, {
    paddings: [[0, emptyCells], [side.top, cellHeight - height - side.top], [side.left * channels, (cellWidth - width - side.left) * channels]],
    constantValue: 0,
  });
}

const greatestCommonDivisor = (a: number, b: number): number => (b === 0 ? a : greatestCommonDivisor(b, a % b));

/**
 * Whether rows `stride` floats apart spread over enough sets of an L1 cache of 64 sets of 64-byte lines (8 ways
 * or more) for `rows` of them at once. The wasm Transpose writes its output rows in parallel, one value each
 * in turn: at a stride that is a multiple of 4 KiB they all fall in one set and it runs 5x slower
 * ([4096, 64] → [64, 4096], mnist-small's 7x7x64 at batch 64: 0.78 ms; [4160, 64]: 0.18 ms).
 */
function spreadsOverCacheSets(stride: number, rows: number): boolean {
  if (stride % 16 !== 0) return true;
  const sets = 64 / greatestCommonDivisor(stride / 16, 64);
  return Math.ceil(rows / sets) <= 8;
}

/** Cells per plane: the batch, and up to 15 empty cells more where that keeps the planes' stride from aliasing. */
export function planeCells(batch: number, cellSize: number, channels: number): number {
  for (let cells = batch; cells < batch + 16; cells++) if (spreadsOverCacheSets(cells * cellSize, channels)) return cells;
  return batch;
}

/**
 * The side's channel-major grid [C, stride]: a plane per channel, positions 0 … N·cellHeight·cellWidth - 1
 * (padded as rows first, then transposed: cheaper than padding the planes' short rows), then a few empty
 * cells where the planes' stride would otherwise alias in the cache.
 */
function gridPlanes(k: KernelComposer, side: GridSide, cellHeight: number, cellWidth: number): { planes: tf.TensorInfo; stride: number } {
  const batch = side.tensor.shape[0];
  const cells = planeCells(batch, cellHeight * cellWidth, side.channels);
  const stride = cells * cellHeight * cellWidth;
  const rows = k.reshape(gridRows(k, side, cellHeight, cellWidth, cells - batch), [stride, side.channels]);
  return { planes: k.transpose(rows, [1, 0]), stride };
}

/**
 * Writes rows (shift, channel) of `length` values: row r holds plane `channel` from `first + shift`,
 * zeros where that run leaves the plane (positions below 0 or from `positions` on).
 */
function copyShiftedRuns(heap: Float32Array, destinationAt: number, planes: { at: number; stride: number }, positions: number, channels: number, shifts: readonly number[], first: number, length: number): void {
  let rowAt = destinationAt;
  for (const shift of shifts) {
    const start = first + shift;
    const from = Math.max(start, 0);
    const to = Math.min(start + length, positions);
    for (let c = 0; c < channels; c++, rowAt += length) {
      const planeAt = planes.at + c * planes.stride;
      if (to <= from) {
        heap.fill(0, rowAt, rowAt + length);
        continue;
      }
      if (from > start) heap.fill(0, rowAt, rowAt + from - start);
      heap.copyWithin(rowAt + from - start, planeAt + from, planeAt + to);
      if (to < start + length) heap.fill(0, rowAt + to - start, rowAt + length);
    }
  }
}

export function gridFilterGradient(k: KernelComposer, backend: tf.KernelBackend, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  if (!isWasmMemory(backend)) throw new Error('the grid filter gradient needs the wasm backend');
  const { batch, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = g;
  const shape = [filterHeight, filterWidth, inChannels, outChannels];
  // an empty batch or output sums nothing (and the wasm Transpose cannot take an empty tensor)
  if (batch <= 0 || outHeight <= 0 || outWidth <= 0) return k.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  const { cellHeight, cellWidth, left: leftName, spreadRight } = gridPlan(g);
  const positions = batch * cellHeight * cellWidth;
  // x on the left: shifted by +(a·cellWidth + b). dy on the left (q → q - shift): dy shifted by -(…)
  // against x as it is. A right side spread over the filter's columns takes the b part, with the opposite sign.
  const xLeft = leftName === 'x';
  const xSide: GridSide = { tensor: x, channels: inChannels, top: g.padTop, left: g.padLeft };
  const dySide: GridSide = { tensor: dy, channels: outChannels, top: 0, left: 0 };
  const [leftSide, rightSide] = xLeft ? [xSide, dySide] : [dySide, xSide];
  const leftSign = xLeft ? 1 : -1;
  const rowShifts = Array.from({ length: filterHeight }, (_, a) => a * cellWidth);
  const columnShifts = Array.from({ length: filterWidth }, (_, b) => b);
  const leftShifts = spreadRight
    ? rowShifts.map((s) => leftSign * s)
    : rowShifts.flatMap((s) => columnShifts.map((b) => leftSign * (s + b)));
  const rightShifts = columnShifts.map((b) => -leftSign * b);
  const leftPlanes = gridPlanes(k, leftSide, cellHeight, cellWidth);
  const rightGrid = spreadRight ? gridPlanes(k, rightSide, cellHeight, cellWidth) : { planes: gridRows(k, rightSide, cellHeight, cellWidth), stride: positions };
  const leftRows = leftShifts.length * leftSide.channels;
  const rightColumns = spreadRight ? filterWidth * rightSide.channels : rightSide.channels;
  const sum = new PairwiseSum(k);
  for (let first = 0; first < positions; first += CHUNK_POSITIONS) {
    const length = Math.min(CHUNK_POSITIONS, positions - first);
    const left = k.track(backend.makeOutput([1, leftRows, length], 'float32'));
    const right = k.track(backend.makeOutput(spreadRight ? [rightColumns, length] : [1, length, rightColumns], 'float32'));
    // views after the allocations: an allocation may grow (and so detach) the wasm memory. The copies run
    // inside one view of the whole heap (copyWithin: no view object per run)
    const leftValues = backend.typedArrayFromHeap(left);
    const heap = new Float32Array(leftValues.buffer);
    const at = (info: tf.TensorInfo): number => backend.typedArrayFromHeap(info).byteOffset / Float32Array.BYTES_PER_ELEMENT;
    const [leftAt, rightAt, leftPlanesAt, rightGridAt] = [leftValues.byteOffset / Float32Array.BYTES_PER_ELEMENT, at(right), at(leftPlanes.planes), at(rightGrid.planes)];
    copyShiftedRuns(heap, leftAt, { at: leftPlanesAt, stride: leftPlanes.stride }, positions, leftSide.channels, leftShifts, first, length);
    const operands = [left, right];
    if (spreadRight) {
      copyShiftedRuns(heap, rightAt, { at: rightGridAt, stride: rightGrid.stride }, positions, rightSide.channels, rightShifts, first, length);
      const transposed = k.transpose(right, [1, 0]);
      operands.push(transposed, k.reshape(transposed, [1, length, rightColumns]));
    } else {
      heap.copyWithin(rightAt, rightGridAt + first * rightColumns, rightGridAt + (first + length) * rightColumns);
    }
    const product = k.run('BatchMatMul', { a: left, b: operands[operands.length - 1] }, { transposeA: false, transposeB: false });
    for (const info of operands) k.release(info);
    sum.add(product);
  }
  const total = sum.total();
  if (total === undefined) throw new Error('the grid filter gradient summed no chunk');
  // the product's [rows, columns] as the filter's [KH, KW, Ci, Co]
  const [leftChannels, rightChannels] = xLeft ? [inChannels, outChannels] : [outChannels, inChannels];
  if (spreadRight) {
    const product = k.reshape(total, [filterHeight, leftChannels, filterWidth, rightChannels]);
    return k.transpose(product, xLeft ? [0, 2, 1, 3] : [0, 2, 3, 1]);
  }
  return xLeft ? k.reshape(total, shape) : k.transpose(k.reshape(total, [filterHeight, filterWidth, outChannels, inChannels]), [0, 1, 3, 2]);
}
