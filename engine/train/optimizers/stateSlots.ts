// Per-parameter optimiser slots (momentum buffers, Adam moments) kept as tensors outside any tidy scope.
import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor } from './types';

export class StateSlots {
  private readonly slots = new Map<string, tf.Tensor>();

  constructor(private readonly prefix: string) {}

  /** the slot of a parameter, zeros of its shape the first time */
  get(param: string, like: tf.Tensor): tf.Tensor {
    let slot = this.slots.get(param);
    if (slot === undefined) {
      slot = tf.keep(tf.zerosLike(like));
      this.slots.set(param, slot);
    }
    return slot;
  }

  /** replaces a slot's tensor (the caller made it inside a tidy; it is kept here) */
  set(param: string, value: tf.Tensor): void {
    const old = this.slots.get(param);
    this.slots.set(param, tf.keep(value));
    if (old !== undefined && old !== value) old.dispose();
  }

  save(into: Map<string, HostTensor>): void {
    for (const [param, slot] of [...this.slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      into.set(`${this.prefix}.${param}`, { shape: [...slot.shape], data: Float32Array.from(slot.dataSync() as Float32Array) });
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
      this.slots.set(param, tf.keep(tf.tensor(Float32Array.from(value.data), value.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const slot of this.slots.values()) slot.dispose();
    this.slots.clear();
  }
}
