// What each operation's tensors would need at their peak, from the analytic model (engine/model/analysis.ts)
// alone: no TensorFlow.js, so it can be checked before anything is allocated.
import { analyzeModel, withUnitsPerStage } from '../model/analysis';
import type { RevNetConfig } from '../model/config';
import { unitsToMeasure } from '../model/depthCopies';
import { checkMemoryLimit } from './memoryLimit';

const BYTES_PER_FLOAT = 4;

/** one training step in its mode, plus the optimiser's per-parameter slots (SGD momentum: 1, Adam: 2) */
export function trainingEstimate(
  config: RevNetConfig,
  batchSize: number,
  mode: 'reversible' | 'standard',
  optimizer: { optimizer: 'sgd' | 'adam'; momentum: number },
): number {
  const analysis = analyzeModel(config, batchSize);
  const slots = optimizer.optimizer === 'adam' ? 2 : optimizer.momentum > 0 ? 1 : 0;
  return analysis.peak[mode].total + slots * analysis.totals.params * BYTES_PER_FLOAT;
}

/**
 * An inspection runs a step of each mode on the model, then the depth series' steps on shallower copies built
 * beside it (each copy's step peak plus the model's own weights, which stay): the largest of these.
 */
export function inspectionEstimate(config: RevNetConfig, batchSize: number, depth = true): number {
  const own = analyzeModel(config, batchSize);
  let estimate = Math.max(own.peak.standard.total, own.peak.reversible.total);
  for (const units of depth ? unitsToMeasure(config) : []) {
    const copy = analyzeModel(withUnitsPerStage(config, units), batchSize).peak;
    estimate = Math.max(estimate, own.peak.standard.weightBytes + Math.max(copy.standard.total, copy.reversible.total));
  }
  return estimate;
}

/**
 * forward, invert and explore run in inference mode inside one tf.tidy, which keeps every intermediate until it
 * ends: the weights, the input batch and every activation a standard backward pass would store.
 */
export function inferenceEstimate(config: RevNetConfig, batchSize: number): number {
  const analysis = analyzeModel(config, batchSize);
  return analysis.peak.standard.weightBytes + analysis.peak.standard.inputBytes + analysis.totals.storedBytes;
}

/** a network built and run on one example: what any operation on the model needs at the least */
export function modelEstimate(config: RevNetConfig): number {
  return inferenceEstimate(config, 1);
}

/**
 * A check to run before a model's network is built (resolveModel's beforeBuild): its weights and one example's
 * activations must fit, so that a model far too large is refused before its tensors are allocated.
 */
export function checkModelFits(limitBytes: number, operation: string): (config: RevNetConfig) => void {
  return (config) => checkMemoryLimit(modelEstimate(config), limitBytes, `${operation} model "${config.name}" (its weights and one example)`);
}
