// Chooses and builds an optimiser from the training options.
import { AdamOptimizer, DEFAULT_ADAM } from './adam';
import { SgdOptimizer } from './sgd';
import type { Optimizer } from './types';

export type { Optimizer, OptimizerState } from './types';
export { takesWeightDecay } from './types';

export interface OptimizerOptions {
  optimizer: 'sgd' | 'adam';
  /** SGD only */
  momentum: number;
  weightDecay: number;
}

export function createOptimizer(options: OptimizerOptions): Optimizer {
  if (options.optimizer === 'sgd') return new SgdOptimizer({ momentum: options.momentum, weightDecay: options.weightDecay });
  return new AdamOptimizer({ ...DEFAULT_ADAM, weightDecay: options.weightDecay });
}
