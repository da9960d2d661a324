// Per-parameter optimiser slots (momentum buffers, Adam moments), kept as host float32 arrays for the optimisers'
// host loops (hostUpdate.ts).
import type * as tf from '@tensorflow/tfjs-core';
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

