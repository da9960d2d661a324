// Batch statistics gathered during one training forward pass, applied to the running statistics
// in one explicit step, so that a recomputation (reversible backward) never moves them a second time.
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkWeights } from './network.types';

export class BatchStatsRecorder {
  private readonly stats = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number }>();

  /**
   * keeps copies of the statistics (detached from any tidy scope); a BatchNorm recorded twice is a bug.
   * `variance` is the biased batch variance over `count` values per channel (count 0: unknown).
   */
  record(batchNorm: string, mean: tf.Tensor1D, variance: tf.Tensor1D, count = 0): void {
    if (this.stats.has(batchNorm)) throw new Error(`BatchNorm ${batchNorm} recorded its batch statistics twice in one step`);
    this.stats.set(batchNorm, { mean: tf.keep(tf.clone(mean)), variance: tf.keep(tf.clone(variance)), count });
  }

  get names(): string[] {
    return [...this.stats.keys()];
  }

  get(batchNorm: string): { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined {
    return this.stats.get(batchNorm);
  }

  /**
   * running = momentum*running + (1-momentum)*batch, for every recorded BatchNorm; then disposes the records.
   * runningVariance "unbiased" (PyTorch's convention) folds in the batch variance times count/(count-1).
   */
  applyTo(weights: NetworkWeights, momentum: number, runningVariance: 'biased' | 'unbiased' = 'biased'): void {
    for (const [name, { mean, variance, count }] of this.stats) {
      const correction = runningVariance === 'unbiased' && count > 1 ? count / (count - 1) : 1;
      for (const [suffix, batch, factor] of [['mean', mean, 1], ['variance', variance, correction]] as const) {
        const running = weights.buffers.get(`${name}.${suffix}`);
        if (running === undefined) throw new Error(`the network has no buffer "${name}.${suffix}"`);
        tf.tidy(() => running.assign(tf.add(tf.mul(running, momentum), tf.mul(batch, (1 - momentum) * factor))));
      }
    }
    this.dispose();
  }

  dispose(): void {
    for (const { mean, variance } of this.stats.values()) {
      mean.dispose();
      variance.dispose();
    }
    this.stats.clear();
  }
}
