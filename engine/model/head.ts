// The classifier head: BatchNorm-ReLU, global average pooling or NHWC flattening,
// an optional hidden dense layer with ReLU, and the dense layer to the logits.
import * as tf from '@tensorflow/tfjs-core';
import type { HeadSpec } from './architecture';
import { batchNormRelu, dense } from './layers';
import type { RunContext } from './runContext';

export function head(ctx: RunContext, spec: HeadSpec, features: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const activated = batchNormRelu(ctx, 'head.bn', features);
    let h: tf.Tensor2D =
      spec.pool === 'flatten' ? tf.reshape(activated, [activated.shape[0], spec.pooled]) : tf.mean<tf.Tensor2D>(activated, [1, 2]);
    if (spec.hidden !== undefined) h = tf.relu(dense(ctx, 'head.hidden', h));
    return dense(ctx, 'head.fc', h);
  });
}

/** softmax cross-entropy, mean over the batch; labels are class indices */
export function crossEntropyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    const logProbs = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1))) as tf.Scalar;
  });
}
