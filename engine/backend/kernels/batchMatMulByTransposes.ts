// BatchMatMul on wasm with a transposed operand (every matrix product's gradient: dA = dC·Bᵀ, dB = Aᵀ·dC) as a
// product of transposed copies: the built-in's transposed-operand path runs 5-20x slower than a transpose and a
// plain product (engine/backend/README.md). The product is laid out so that the thinner side is the right
// operand, which the wasm matMul re-packs on every call: C = A·B when C has at least as many rows as columns,
// else C = (Bᵀ·Aᵀ)ᵀ. Calls without a transposed operand, and broadcast batches, go to the built-in unchanged.
import * as tf from '@tensorflow/tfjs-core';
import { builtInKernel } from './builtInKernels';
import { compose } from './kernelComposer';

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}

interface KernelParams {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

export function batchMatMulByTransposes(backendName: string) {
  return ({ inputs, backend, attrs }: KernelParams): tf.TensorInfo => {
    const builtIn = builtInKernel(tf.BatchMatMul, backendName);
    if (builtIn === undefined) throw new Error(`BatchMatMul: the ${backendName} backend's own kernel was not kept`);
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as Attrs;
    const plain = (left: tf.TensorInfo, right: tf.TensorInfo): tf.TensorInfo =>
      builtIn.kernelFunc({ inputs: { a: left, b: right }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    const rank = a.shape.length;
    const sameBatch = rank === b.shape.length && (rank === 2 || (rank === 3 && a.shape[0] === b.shape[0]));
    if ((!transposeA && !transposeB) || !sameBatch) return builtIn.kernelFunc({ inputs, backend, attrs: attrs ?? {} }) as tf.TensorInfo;
    const rows = transposeA ? a.shape[rank - 1] : a.shape[rank - 2];
    const columns = transposeB ? b.shape[rank - 2] : b.shape[rank - 1];
    const swapLastTwo = rank === 2 ? [1, 0] : [0, 2, 1];
    return compose(backend, backendName, (k) => {
      const transposed = (x: tf.TensorInfo): tf.TensorInfo => k.transpose(x, swapLastTwo);
      if (rows >= columns) return k.track(plain(transposeA ? transposed(a) : a, transposeB ? transposed(b) : b));
      return transposed(k.track(plain(transposeB ? b : transposed(b), transposeA ? a : transposed(a))));
    });
  };
}
