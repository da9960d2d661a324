// What every layer needs to run: the weights, the BatchNorm mode and where batch statistics go.
import type * as tf from '@tensorflow/tfjs-core';
import type { NetworkWeights } from './network.types';
import type { BatchStatsRecorder } from './batchStats';

export interface RunContext {
  weights: NetworkWeights;
  /** BatchNorm with batch statistics (true) or running statistics (false) */
  training: boolean;
  epsilon: number;
  /** training mode only: receives each BatchNorm's batch statistics for the one running-stat update of a step */
  stats?: BatchStatsRecorder;
}

export function param(ctx: RunContext, name: string): tf.Tensor {
  const value = ctx.weights.params.get(name);
  if (value === undefined) throw new Error(`the network has no parameter "${name}"`);
  return value;
}

export function buffer(ctx: RunContext, name: string): tf.Tensor {
  const value = ctx.weights.buffers.get(name);
  if (value === undefined) throw new Error(`the network has no buffer "${name}"`);
  return value;
}
