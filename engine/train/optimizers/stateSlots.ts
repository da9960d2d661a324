// Per-parameter optimiser slots (momentum buffers, Adam moments), kept as host float32 arrays: an update is one
// loop per parameter over host copies (with tensors it was a dozen small kernels per parameter, a few hundred per
// step, each costing more in bookkeeping than in arithmetic).
import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor } from './types';

export class StateSlots {
  private readonly slots = new Map<string, { shape: number[]; data: Float32Array }>();

  constructor(private readonly prefix: string) {}

  /** the slot of a parameter, zeros of its shape the first time; updated in place by the optimiser */
  get(param: string, like: tf.Tensor): Float32Array {
    let slot = this.slots.get(param);
    if (slot === undefined) {
      slot = { shape: [...like.shape], data: new Float32Array(like.size) };
      this.slots.set(param, slot);
    }
    return slot.data;
  }

  save(into: Map<string, HostTensor>): void {
    for (const [param, slot] of [...this.slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      into.set(`${this.prefix}.${param}`, { shape: [...slot.shape], data: Float32Array.from(slot.data) });
    }
  }

  load(from: Map<string, HostTensor>, params: Map<string, tf.Variable>, problems: string[]): void {
    this.dispose();
    for (const [name, value] of from) {
      if (!name.startsWith(`${this.prefix}.`)) continue;
      const param = name.slice(this.prefix.length + 1);
      const variable = params.get(param);
      if (variable === undefined) {
        problems.push(`optimiser state "${name}" belongs to no parameter of the model`);
        continue;
      }
      if (variable.shape.length !== value.shape.length || variable.shape.some((d, i) => d !== value.shape[i])) {
        problems.push(`optimiser state "${name}" has shape [${value.shape.join(',')}], its parameter has [${variable.shape.join(',')}]`);
        continue;
      }
      this.slots.set(param, { shape: [...value.shape], data: Float32Array.from(value.data) });
    }
  }

  dispose(): void {
    this.slots.clear();
  }
}

/** a parameter's values as a host array the caller may change */
export function hostCopy(variable: tf.Variable): Float32Array {
  return Float32Array.from(variable.dataSync() as Float32Array);
}

/** a gradient's values, read only */
export function hostValues(tensor: tf.Tensor): Float32Array {
  return tensor.dataSync() as Float32Array;
}

/** replaces a parameter's values with a host array of its size */
export function assignHost(variable: tf.Variable, values: Float32Array): void {
  tf.tidy(() => {
    variable.assign(tf.tensor(values, variable.shape, 'float32'));
  });
}
