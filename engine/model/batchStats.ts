// Batch statistics gathered during one training forward pass, applied to the running statistics
// in one explicit step, so that a recomputation (reversible backward) never moves them a second time.
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkWeights } from './network.types';

export class BatchStatsRecorder {
  private readonly stats = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>();

  /** keeps copies of the statistics (detached from any tidy scope); a BatchNorm recorded twice is a bug */
  record(batchNorm: string, mean: tf.Tensor1D, variance: tf.Tensor1D): void {
    if (this.stats.has(batchNorm)) throw new Error(`BatchNorm ${batchNorm} recorded its batch statistics twice in one step`);
    this.stats.set(batchNorm, { mean: tf.keep(tf.clone(mean)), variance: tf.keep(tf.clone(variance)) });
  }

  get names(): string[] {
    return [...this.stats.keys()];
  }

  get(batchNorm: string): { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined {
    return this.stats.get(batchNorm);
  }

  /** running = momentum*running + (1-momentum)*batch, for every recorded BatchNorm; then disposes the records */
  applyTo(weights: NetworkWeights, momentum: number): void {
    for (const [name, { mean, variance }] of this.stats) {
      for (const [suffix, batch] of [['mean', mean], ['variance', variance]] as const) {
        const running = weights.buffers.get(`${name}.${suffix}`);
        if (running === undefined) throw new Error(`the network has no buffer "${name}.${suffix}"`);
        tf.tidy(() => running.assign(tf.add(tf.mul(running, momentum), tf.mul(batch, 1 - momentum))));
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
