// The filter gradient of a stride-1 convolution on small images (≤ 64 output positions, e.g. 7x7 or 8x8) with
// few output channels (4 to 16) as one convolution per group of images (filterGradientByConv.ts: the images
// play the channels), each group ≤ CHUNK_POSITIONS output positions, the groups' results added pairwise.
// With few input channels (4 to 16) instead, the mirror image: dy (padded) as the input, batch Co, and x as
// the filter, whose correlation gives the filter flipped ([Co, KH, KW, Ci], reversed and transposed back);
// mnist-small's 7x7x8 → 64 at batch 32: 0.90 ms against the grid's 1.13.
// Why here: on such shapes the products on a grid (filterGradientOnGrid.ts) multiply 27-31% grid padding
// (7x7 in 8x8 cells) and copy the wide side 9 times, where XNNPACK's convolution reads the taps in place and
// skips the padding; with ≥ 32 images to a group its inner loops stay long, and a dy of 4-16 channels fills
// its 8-column tiles while staying cheap to pack as the convolution's filter. Measured on mnist-small's
// 7x7x64 → 8 at batch 64: 1.55 ms against the grid's 2.09 (engine/backend/README.md). With 2 output channels,
// with ≥ 32 channels, or on 16x16 images and larger, the grid is as fast or faster.
// Precision: as the grid, no accumulator sums more than CHUNK_POSITIONS non-zero products (the mirror image also
// adds the zeros of dy's padding, which round nothing).
import type * as tf from '@tensorflow/tfjs-core';
import { farPaddings, type ConvGeometry } from './convGeometry';
import { filterGradientByConv } from './filterGradientByConv';
import { CHUNK_POSITIONS } from './filterGradientOnGrid';
import { compose, type KernelComposer } from './kernelComposer';
import { PairwiseSum } from './pairwiseSum';
import { isWasmMemory, type WasmMemory } from './wasmMemory';

/** output positions per image at most (so that a group holds ≥ 32 images) */
const SMALL_IMAGE_POSITIONS = 64;

const fewChannels = (channels: number): boolean => channels >= 4 && channels <= 16;

/**
 * Which side each group's convolution takes as its input (the other is its filter), or undefined where the
 * grid is as fast: x when dy has 4-16 channels, else dy when x has 4-16 channels and no padding exceeds the
 * filter (dy's own padding in the mirror image would be negative).
 */
export function imageGroupsInput(g: ConvGeometry): 'x' | 'dy' | undefined {
  if (g.strideHeight !== 1 || g.strideWidth !== 1 || g.outHeight * g.outWidth > SMALL_IMAGE_POSITIONS) return undefined;
  if (fewChannels(g.outChannels)) return 'x';
  const { padBottom, padRight } = farPaddings(g);
  const padsWithinFilter = Math.max(g.padTop, padBottom) < g.filterHeight && Math.max(g.padLeft, padRight) < g.filterWidth;
  return fewChannels(g.inChannels) && padsWithinFilter ? 'dy' : undefined;
}

export function suitsImageGroups(g: ConvGeometry): boolean {
  return imageGroupsInput(g) !== undefined;
}

/**
 * dy (padded by filter - 1 - padding) as the input [Co, OH, OW, N], x as the filter [H, W, N, Ci]: the
 * correlation out[o, a, b, i] = dw[KH-1-a, KW-1-b, i, o].
 */
function filterGradientByMirroredConv(k: KernelComposer, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const { padBottom, padRight } = farPaddings(g);
  const conv = k.run('Conv2D', { x: k.transpose(dy, [3, 1, 2, 0]), filter: k.transpose(x, [1, 2, 0, 3]) }, {
    strides: [1, 1],
    pad: [[0, 0], [g.filterHeight - 1 - g.padTop, g.filterHeight - 1 - padBottom], [g.filterWidth - 1 - g.padLeft, g.filterWidth - 1 - padRight], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  return k.transpose(k.run('Reverse', { x: conv }, { dims: [1, 2] }), [1, 2, 3, 0]);
}

/** Images [first, first + count) of an [N, H, W, C] tensor, as one contiguous copy on the wasm heap. */
function images(k: KernelComposer, backend: tf.KernelBackend & WasmMemory, t: tf.TensorInfo, first: number, count: number): tf.TensorInfo {
  const [batch, ...image] = t.shape;
  if (first === 0 && count === batch) return t;
  const size = image.reduce((a, b) => a * b, 1);
  const out = k.track(backend.makeOutput([count, ...image], 'float32'));
  // views after the allocation, which may have grown (and so detached) the wasm memory
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(t).subarray(first * size, (first + count) * size));
  return out;
}

/** Groups of images as even as they come, each ≤ `most`. */
export function imageGroups(batch: number, most: number): { first: number; count: number }[] {
  const groups = Math.max(1, Math.ceil(batch / most));
  return Array.from({ length: groups }, (_, i) => {
    const first = Math.floor((i * batch) / groups);
    return { first, count: Math.floor(((i + 1) * batch) / groups) - first };
  });
}

export function filterGradientByImageGroups(k: KernelComposer, backend: tf.KernelBackend, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  if (!isWasmMemory(backend)) throw new Error('the filter gradient over image groups needs the wasm backend');
  const shape = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
  // an empty batch or output sums nothing (and the wasm Transpose cannot take an empty tensor)
  if (g.batch <= 0 || g.outHeight <= 0 || g.outWidth <= 0) return k.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  const byConv = imageGroupsInput(g) === 'dy' ? filterGradientByMirroredConv : filterGradientByConv;
  const sum = new PairwiseSum(k);
  for (const { first, count } of imageGroups(g.batch, Math.floor(CHUNK_POSITIONS / (g.outHeight * g.outWidth)))) {
    // each group in a composition of its own, so that only its [KH,KW,Ci,Co] result outlives it
    const part = compose(backend, 'wasm', (group) =>
      byConv(group, images(group, backend, x, first, count), images(group, backend, dy, first, count), { ...g, batch: count }),
    );
    sum.add(k.track(part));
  }
  const total = sum.total();
  if (total === undefined) throw new Error('the filter gradient over image groups summed no group');
  return total;
}
