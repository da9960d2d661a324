// Conv2DBackpropFilter (the filter gradient of a convolution), which tfjs-backend-wasm lacks (and the cpu
// backend has as a plain loop): dw[a,b,i,o] = sum over n,y,x of xPadded[n, y*s+a, x*s+b, i] * dy[n,y,x,o].
// Unpadded 1x1 filters: one matrix product. On wasm at stride 1: convolutions over groups of small images
// (filterGradientByImageGroups.ts) where they suit, else products on a grid (filterGradientOnGrid.ts), both
// summing at most 2,048 positions in one accumulator. Otherwise one convolution in which the batch plays
// the channels (filterGradientByConv.ts).
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry, type ConvPad } from './convGeometry';
import { filterGradientByConv } from './filterGradientByConv';
import { filterGradientByImageGroups, suitsImageGroups } from './filterGradientByImageGroups';
import { gridFilterGradient, suitsGridFilterGradient } from './filterGradientOnGrid';
import { compose, type KernelComposer } from './kernelComposer';

interface Attrs {
  strides: [number, number] | number;
  pad: ConvPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** 1x1 filter, no padding, stride dividing the input: dw = (subsampled x)^T dy, one matrix product. */
function isPointwise(g: ConvGeometry): boolean {
  return (
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0 &&
    g.inHeight === g.outHeight * g.strideHeight &&
    g.inWidth === g.outWidth * g.strideWidth
  );
}

function pointwiseFilterGradient(k: KernelComposer, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const rows = g.batch * g.outHeight * g.outWidth;
  let sampled = x;
  if (g.strideHeight > 1 || g.strideWidth > 1) {
    // Every stride-th row, then every stride-th pixel of it, as two slices of contiguous runs
    // (a rank-6 transpose doing the same took ~100x longer on wasm).
    const rowsSplit = k.reshape(x, [g.batch * g.outHeight, g.strideHeight, g.inWidth * g.inChannels]);
    const firstRows = k.run('Slice', { x: rowsSplit }, { begin: [0, 0, 0], size: [g.batch * g.outHeight, 1, g.inWidth * g.inChannels] });
    const pixelsSplit = k.reshape(firstRows, [rows, g.strideWidth * g.inChannels]);
    sampled = k.run('Slice', { x: pixelsSplit }, { begin: [0, 0], size: [rows, g.inChannels] });
  }
  // The wasm BatchMatMul is several times faster on a transposed copy than with transposeA.
  const xColumns = k.transpose(k.reshape(sampled, [rows, g.inChannels]), [1, 0]);
  const product = k.run('BatchMatMul', { a: k.reshape(xColumns, [1, g.inChannels, rows]), b: k.reshape(dy, [1, rows, g.outChannels]) }, { transposeA: false, transposeB: false });
  return k.reshape(product, [1, 1, g.inChannels, g.outChannels]);
}

/**
 * How a filter gradient is composed: one product (unpadded 1x1, always); on wasm at stride 1 by default
 * convolutions over groups of small images where they suit (few output channels), else products on a grid;
 * otherwise one convolution. 'grid', 'groups' and 'conv' force one (where it applies), for tests and benchmarks.
 */
export type FilterGradientMethod = 'auto' | 'grid' | 'groups' | 'conv';

export function conv2dBackpropFilterByConv(backendName: string, method: FilterGradientMethod = 'auto') {
  return ({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Attrs;
    const g = convGeometry(x.shape as [number, number, number, number], filterShape, strides, pad, dimRoundingMode, dataFormat);
    return compose(backend, backendName, (k) => {
      if (isPointwise(g)) return pointwiseFilterGradient(k, x, dy, g);
      const wasm = backendName === 'wasm';
      const groups = method === 'groups' || (method === 'auto' && suitsImageGroups(g));
      if (groups && wasm && suitsGridFilterGradient(g, backend)) return filterGradientByImageGroups(k, backend, x, dy, g);
      if ((method === 'auto' || method === 'grid') && wasm && suitsGridFilterGradient(g, backend)) return gridFilterGradient(k, backend, x, dy, g);
      return filterGradientByConv(k, x, dy, g);
    });
  };
}
