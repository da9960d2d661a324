// The input gradient of a convolution with stride s (the same on both axes) as one stride-1
// convolution at dy's resolution whose s²·Ci output channels are the phases of dx, interleaved as
// DepthToSpace would. Why: the plain composition convolves the stride-dilated dy, in which all but 1/s² of
// the values are zeros, at dx's resolution: s² times the multiplications that matter. Here the
// phases' sub-filters are zero-padded to one window (2x2 for 3x3, stride 2: 16 taps for 9, not 36).
// How: dx row i reads dy rows r with r·s + a = i + padTop. With i + padTop = q·s + p, the taps that
// reach phase p are a = p + s·t, and dx_p[q] = Σ_t dy[q − t] · w[p + s·t]: a stride-1 correlation of dy
// with the flipped sub-filter w[p::s] (in/out channels swapped), padded T−1 above. Phase (p, p') holds
// dx rows and columns with i + padTop ≡ p and j + padLeft ≡ p' (mod s), so interleaving them puts every value
// in place on a grid starting padTop rows and padLeft columns above dx, which a slice then removes.
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convGeometry';
import type { KernelComposer } from './kernelComposer';

/** equal strides above 1: the phases interleave with one DepthToSpace */
export function suitsPhases(g: ConvGeometry): boolean {
  return g.strideHeight === g.strideWidth && g.strideHeight > 1;
}

/** one axis of one phase: the sub-filter's first tap in the flipped filter, and its tap count */
function phaseAxis(phase: number, stride: number, filterSize: number): { begin: number; taps: number } {
  const taps = Math.max(0, Math.ceil((filterSize - phase) / stride));
  return { begin: (((filterSize - 1 - phase) % stride) + stride) % stride, taps };
}

export function inputGradientByPhases(k: KernelComposer, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const s = g.strideHeight;
  const rows = Math.ceil((g.inHeight + g.padTop) / s);
  const columns = Math.ceil((g.inWidth + g.padLeft) / s);
  const tapsHigh = Math.ceil(g.filterHeight / s);
  const tapsWide = Math.ceil(g.filterWidth / s);
  const flipped = k.transpose(k.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
  // One filter for all phases, output channels in DepthToSpace's order (phase row, phase column, channel).
  // A phase with fewer taps sits at the bottom right of the window, zeros above and left of it, so
  // that every phase reads dy with the same top-left padding (window − 1).
  const subFilters: tf.TensorInfo[] = [];
  for (let ph = 0; ph < s; ph++) {
    const vertical = phaseAxis(ph, s, g.filterHeight);
    for (let pw = 0; pw < s; pw++) {
      const horizontal = phaseAxis(pw, s, g.filterWidth);
      if (vertical.taps === 0 || horizontal.taps === 0) {
        subFilters.push(k.run('Fill', {}, { shape: [tapsHigh, tapsWide, g.outChannels, g.inChannels], value: 0, dtype: 'float32' }));
        continue;
      }
      const sub = k.run('StridedSlice', { x: flipped }, {
        begin: [vertical.begin, horizontal.begin, 0, 0],
        end: [g.filterHeight, g.filterWidth, g.outChannels, g.inChannels],
        strides: [s, s, 1, 1],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      });
      subFilters.push(k.run('PadV2', { x: sub }, { paddings: [[tapsHigh - vertical.taps, 0], [tapsWide - horizontal.taps, 0], [0, 0], [0, 0]], constantValue: 0 }));
    }
  }
  const combined = k.run('Concat', subFilters as unknown as tf.NamedTensorInfoMap, { axis: 3 });
  // output rows: outHeight + (window − 1) + bottom − window + 1 = outHeight + bottom; extra rows are cut
  const bottom = rows - g.outHeight;
  const right = columns - g.outWidth;
  let phases = k.run('Conv2D', { x: dy, filter: combined }, {
    strides: [1, 1],
    pad: [[0, 0], [tapsHigh - 1, Math.max(bottom, 0)], [tapsWide - 1, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  if (bottom < 0 || right < 0) phases = k.run('Slice', { x: phases }, { begin: [0, 0, 0, 0], size: [g.batch, rows, columns, s * s * g.inChannels] });
  // DepthToSpace as a rank-4 transpose that moves runs of s·Ci values ([N·Q, P, s, s·Ci] → [N·Q, s, P, s·Ci]):
  // the wasm DepthToSpace moves one value at a time, several times slower
  const split = k.reshape(phases, [g.batch * rows, columns, s, s * g.inChannels]);
  const grid = k.reshape(k.transpose(split, [0, 2, 1, 3]), [g.batch, rows * s, columns * s, g.inChannels]);
  if (g.padTop === 0 && g.padLeft === 0 && rows * s === g.inHeight && columns * s === g.inWidth) return grid;
  return k.run('Slice', { x: grid }, { begin: [0, g.padTop, g.padLeft, 0], size: [g.batch, g.inHeight, g.inWidth, g.inChannels] });
}
