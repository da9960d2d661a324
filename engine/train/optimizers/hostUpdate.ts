// One optimiser update as a loop per parameter over host copies (with tensors it was a dozen small kernels per
// parameter, a few hundred per step, each costing more in bookkeeping than in arithmetic).
import * as tf from '@tensorflow/tfjs-core';
import { takesWeightDecay } from './types';

/**
 * `update` changes `w` (a host copy of the parameter) in place from `g` (its gradient, read only) and the weight
 * decay that applies to it (0 where none does); the parameter then takes `w`. Parameters without a gradient stay.
 */
export function updateOnHost(
  params: Map<string, tf.Variable>,
  grads: Map<string, tf.Tensor>,
  weightDecay: number,
  update: (name: string, variable: tf.Variable, w: Float32Array, g: Float32Array, decay: number) => void,
): void {
  for (const [name, variable] of params) {
    const grad = grads.get(name);
    if (grad === undefined) continue;
    const w = Float32Array.from(variable.dataSync() as Float32Array);
    update(name, variable, w, grad.dataSync() as Float32Array, weightDecay !== 0 && takesWeightDecay(name) ? weightDecay : 0);
    tf.tidy(() => {
      variable.assign(tf.tensor(w, variable.shape, 'float32'));
    });
  }
}
