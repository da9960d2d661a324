// Conv2DBackpropInput (the input gradient of a convolution) as one stride-1 convolution of the
// stride-dilated output gradient with the spatially flipped, in/out-swapped filter, run by the
// backend's own fast Conv2D. Only flips, transposes, pads and slices surround it. A strided 1x1
// filter (the bottleneck shortcut) is multiplied at the output resolution and then spread out.
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry, type ConvPad } from './convGeometry';
import { inputGradientByPhases, suitsPhases } from './inputGradientByPhases';
import { compose, type KernelComposer } from './kernelComposer';

interface Attrs {
  strides: [number, number] | number;
  pad: ConvPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** dy [N,OH,OW,C] with (stride-1) zeros after every row and column: [N,OH*sh,OW*sw,C]. */
function dilate(k: KernelComposer, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const spread = k.reshape(dy, [n, oh, 1, ow, 1, c]);
  const padded = k.run('PadV2', { x: spread }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  return k.reshape(padded, [n, oh * sh, ow * sw, c]);
}

/** A 1x1 filter without leading padding, strided: only every stride-th input pixel is read. */
function isStridedPointwise(g: ConvGeometry): boolean {
  return (
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0 &&
    (g.strideHeight > 1 || g.strideWidth > 1) &&
    g.outHeight * g.strideHeight >= g.inHeight &&
    g.outWidth * g.strideWidth >= g.inWidth
  );
}

/** dy times the transposed filter at the output resolution, then spread out with zeros. */
function stridedPointwiseInputGradient(k: KernelComposer, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const swapped = k.transpose(filter, [0, 1, 3, 2]);
  const product = k.run('Conv2D', { x: dy, filter: swapped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
  const spread = dilate(k, product, g.strideHeight, g.strideWidth);
  if (g.outHeight * g.strideHeight === g.inHeight && g.outWidth * g.strideWidth === g.inWidth) return spread;
  return k.run('Slice', { x: spread }, { begin: [0, 0, 0, 0], size: [g.batch, g.inHeight, g.inWidth, g.inChannels] });
}

/** How a strided input gradient is composed: one conv per phase of dx, or one conv of the dilated dy. */
export type InputGradientMethod = 'phases' | 'dilated';

export function conv2dBackpropInputByConv(backendName: string, method: InputGradientMethod = 'phases') {
  return ({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Attrs;
    const g = convGeometry(inputShape, filter.shape as [number, number, number, number], strides, pad, dimRoundingMode, dataFormat);
    return compose(backend, backendName, (k) => {
      if (isStridedPointwise(g)) return stridedPointwiseInputGradient(k, dy, filter, g);
      if (method === 'phases' && suitsPhases(g)) return inputGradientByPhases(k, dy, filter, g);
      const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = k.transpose(flipped, [0, 1, 3, 2]);
      const spread = dilate(k, dy, g.strideHeight, g.strideWidth);
      // Row i of dx gathers dy rows o with o*s + t - padTop = i for t in [0, K): a stride-1
      // "full" correlation with the flipped filter, padded K-1-padTop above; the padding below
      // makes the result exactly inHeight tall. A negative pad means rows to drop instead.
      const top = g.filterHeight - 1 - g.padTop;
      const bottom = g.inHeight - 1 + g.padTop - g.outHeight * g.strideHeight + 1;
      const left = g.filterWidth - 1 - g.padLeft;
      const right = g.inWidth - 1 + g.padLeft - g.outWidth * g.strideWidth + 1;
      const conv = k.run('Conv2D', { x: spread, filter: swapped }, {
        strides: [1, 1],
        pad: [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      });
      if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) return conv;
      return k.run('Slice', { x: conv }, {
        begin: [0, Math.max(-top, 0), Math.max(-left, 0), 0],
        size: [g.batch, g.inHeight, g.inWidth, g.inChannels],
      });
    });
  };
}
