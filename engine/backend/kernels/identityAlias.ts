// Identity without a copy: the wasm backend's own Identity copies every byte, and the gradient
// tape runs it hundreds of times per training step. Like the cpu backend's, this one shares the
// input's buffer (kernels never write into their inputs) and counts one more reference to it.
import type * as tf from '@tensorflow/tfjs-core';

export function identityAlias() {
  return ({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo => {
    const { x } = inputs as { x: tf.TensorInfo };
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
