// The filter gradient as one convolution in which the batch plays the channels: x as [Ci,H,W,N] input,
// dy as an [OH,OW,N,Co] filter dilated by the stride, giving [Ci,KH,KW,Co] (then transposed to HWIO).
// Any stride and padding, any backend; one accumulator sums all N·OH·OW positions.
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convGeometry';
import type { KernelComposer } from './kernelComposer';

export function filterGradientByConv(k: KernelComposer, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  // Rows of x beyond the last one any output reads are cut, so that no padding is negative.
  const spanHeight = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const spanWidth = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  const bottom = spanHeight - g.padTop - g.inHeight;
  const right = spanWidth - g.padLeft - g.inWidth;
  let input = x;
  if (bottom < 0 || right < 0) {
    input = k.run('Slice', { x }, {
      begin: [0, 0, 0, 0],
      size: [g.batch, g.inHeight + Math.min(bottom, 0), g.inWidth + Math.min(right, 0), g.inChannels],
    });
  }
  const channelsAsBatch = k.transpose(input, [3, 1, 2, 0]);
  const dyAsFilter = k.transpose(dy, [1, 2, 0, 3]);
  const conv = k.run('Conv2D', { x: channelsAsBatch, filter: dyAsFilter }, {
    strides: [1, 1],
    pad: [[0, 0], [g.padTop, Math.max(bottom, 0)], [g.padLeft, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [g.strideHeight, g.strideWidth],
  });
  return k.transpose(conv, [1, 2, 0, 3]);
}
