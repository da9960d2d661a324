// Adds a stream of equally shaped partial results pairwise as they come, like a binary counter: level j
// holds the sum of 2^j parts, and two sums of one level merge at once. So at most log2(parts) + 1 partial
// results are alive, and the rounding error grows with log2(parts), not with their number.
import type * as tf from '@tensorflow/tfjs-core';
import type { KernelComposer } from './kernelComposer';

export class PairwiseSum {
  private readonly levels: { value: tf.TensorInfo; parts: number }[] = [];

  constructor(private readonly k: KernelComposer) {}

  /** Takes `part` (an intermediate of the composition, released once added). */
  add(part: tf.TensorInfo): void {
    let sum = { value: part, parts: 1 };
    for (let top = this.levels.at(-1); top?.parts === sum.parts; top = this.levels.at(-1)) {
      this.levels.pop();
      sum = { value: this.plus(top.value, sum.value), parts: 2 * sum.parts };
    }
    this.levels.push(sum);
  }

  /** The sum of every part added (undefined if none was). */
  total(): tf.TensorInfo | undefined {
    let total: tf.TensorInfo | undefined;
    for (let next = this.levels.pop(); next !== undefined; next = this.levels.pop()) total = total === undefined ? next.value : this.plus(next.value, total);
    return total;
  }

  private plus(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    const sum = this.k.run('Add', { a, b });
    this.k.release(a);
    this.k.release(b);
    return sum;
  }
}
