// The public forward functions of a Network: trunk features (optionally every unit's output) and logits.
import type * as tf from '@tensorflow/tfjs-core';
import { head } from './head';
import type { Network } from './network.types';
import { architectureOf, inferenceContext, trainingContext } from './network';
import type { BatchStatsRecorder } from './batchStats';
import { runTrunk, type TrunkRun } from './trunk';

export interface ForwardOptions {
  /** keep each step's output (blockOutputs) and each stage's output (stageOutputs); features is the last of them */
  keepBlockOutputs?: boolean;
  /** BatchNorm with batch statistics; they go to `stats` if given (running statistics are not touched here) */
  training?: boolean;
  stats?: BatchStatsRecorder;
}

/** the trunk's features (before the head); the caller disposes every returned tensor */
export function forwardTrunk(net: Network, images: tf.Tensor4D, options: ForwardOptions = {}): TrunkRun {
  const ctx = options.training ? trainingContext(net, options.stats) : inferenceContext(net);
  return runTrunk(ctx, architectureOf(net).steps, images, options.keepBlockOutputs ?? false);
}

/** logits, BatchNorm in inference mode */
export function predict(net: Network, images: tf.Tensor4D): tf.Tensor2D {
  const ctx = inferenceContext(net);
  const { features } = runTrunk(ctx, architectureOf(net).steps, images, false);
  const logits = head(ctx, architectureOf(net).head, features);
  features.dispose();
  return logits;
}
