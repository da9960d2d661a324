// The residual functions F and G: pre-activation BatchNorm-ReLU-conv, twice (basic) or
// 1x1-3x3-1x1 (bottleneck); the network's very first F has no leading BatchNorm-ReLU.
import type * as tf from '@tensorflow/tfjs-core';
import { residualLayers, type ResidualSpec } from './architecture';
import { batchNormRelu, conv } from './layers';
import type { RunContext } from './runContext';

export function residual(ctx: RunContext, spec: ResidualSpec, x: tf.Tensor4D): tf.Tensor4D {
  let h = x;
  for (const layer of residualLayers(spec)) {
    if (layer.bn !== undefined) h = batchNormRelu(ctx, layer.bn, h);
    h = conv(ctx, layer.conv, h, layer.stride);
  }
  return h;
}

/** the parameter names a residual function reads, in a fixed order */
export function residualParamNames(spec: ResidualSpec): string[] {
  return residualLayers(spec).flatMap((layer) =>
    layer.bn === undefined ? [`${layer.conv}.weight`] : [`${layer.bn}.gamma`, `${layer.bn}.beta`, `${layer.conv}.weight`],
  );
}
