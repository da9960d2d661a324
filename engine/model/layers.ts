// The elementary layers: convolution (HWIO kernels, NHWC, no bias), BatchNorm, ReLU, dense.
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining } from './batchNormTraining';
import { channelAffine } from './channelOps';
import { buffer, param, type RunContext } from './runContext';

export function conv(ctx: RunContext, name: string, x: tf.Tensor4D, stride: 1 | 2 = 1): tf.Tensor4D {
  return tf.conv2d(x, param(ctx, `${name}.weight`) as tf.Tensor4D, stride, 'same');
}

/**
 * BatchNorm over N, H, W, then a ReLU if `relu`. Training mode: the batch mean and biased variance,
 * differentiated through (batchNormTraining's closed-form gradient, the ReLU included) and handed to ctx.stats.
 * Inference mode: the running statistics.
 */
function batchNormThen(ctx: RunContext, name: string, x: tf.Tensor4D, relu: boolean): tf.Tensor4D {
  const gamma = param(ctx, `${name}.gamma`);
  const beta = param(ctx, `${name}.beta`);
  if (!ctx.training) {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(buffer(ctx, `${name}.variance`), ctx.epsilon)));
    const shift = tf.sub(beta, tf.mul(buffer(ctx, `${name}.mean`), scale));
    const y = channelAffine(x, scale, shift);
    return relu ? tf.relu(y) : y;
  }
  const stats = ctx.stats;
  return batchNormTraining(x, gamma, beta, ctx.epsilon, stats && ((mean, variance, count) => stats.record(name, mean, variance, count)), relu);
}

export function batchNorm(ctx: RunContext, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return batchNormThen(ctx, name, x, false);
}

export function batchNormRelu(ctx: RunContext, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return batchNormThen(ctx, name, x, true);
}

export function dense(ctx: RunContext, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, param(ctx, `${name}.weight`) as tf.Tensor2D), param(ctx, `${name}.bias`));
}
