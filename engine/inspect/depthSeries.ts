// Peak memory of a training step against depth: measured on copies of the model with 1, 2, 4 units per stage
// (same widths, fresh seeded weights) while a copy costs no more than the model itself, the model's own
// measurement where its stages are all the same length, and beyond them the analytic estimate (labelled),
// anchored at the deepest measurement.
import type * as tf from '@tensorflow/tfjs-core';
import type { DepthPoint } from '../../protocol/inspectReport';
import { analyticDepthSeries, withUnitsPerStage } from '../model/analysis';
import type { RevNetConfig } from '../model/config';
import { uniformUnits, unitsToMeasure } from '../model/depthCopies';
import { buildNetwork } from '../model/network';
import type { CancelSignal } from '../util/cancelSignal';
import { profileStep } from './stepProfile';
import { yieldToEventLoop } from '../util/yieldToEventLoop';

export const ANALYTIC_UNITS = [1, 2, 4, 8, 16, 32, 64];

export async function depthSeries(
  config: RevNetConfig,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  own: { standardPeakBytes: number; reversiblePeakBytes: number },
  seed: number,
  cancel: CancelSignal,
): Promise<DepthPoint[]> {
  const measured: DepthPoint[] = [];
  for (const units of unitsToMeasure(config)) {
    await yieldToEventLoop();
    if (cancel.cancelled) break;
    const copy = buildNetwork(withUnitsPerStage(config, units), seed);
    try {
      const standard = await profileStep(copy, images, labels, 'standard');
      const reversible = await profileStep(copy, images, labels, 'reversible');
      measured.push({ unitsPerStage: units, standardPeakBytes: standard.peakBytes, reversiblePeakBytes: reversible.peakBytes, source: 'measured' });
    } finally {
      copy.dispose();
    }
  }
  const ownUnits = uniformUnits(config);
  if (ownUnits !== undefined) measured.push({ unitsPerStage: ownUnits, ...own, source: 'measured' });
  measured.sort((a, b) => a.unitsPerStage - b.unitsPerStage);
  const deepest = measured.at(-1);
  const beyond = ANALYTIC_UNITS.filter((units) => units > (deepest?.unitsPerStage ?? 0));
  return [...measured, ...anchoredEstimates(config, images.shape[0], beyond, deepest)];
}

/**
 * The analytic estimate beyond the measured points, anchored at the deepest measurement: its measured peak plus
 * the analytic growth from there. (The raw analytic figures leave out what autodiff and the kernels allocate
 * beside the activations they keep, so unanchored they could fall below a measured shallower model.)
 */
export function anchoredEstimates(config: RevNetConfig, batchSize: number, unitsPerStage: number[], anchor: DepthPoint | undefined): DepthPoint[] {
  const estimates = analyticDepthSeries(config, batchSize, unitsPerStage);
  if (anchor === undefined || unitsPerStage.length === 0) return estimates;
  const [base] = analyticDepthSeries(config, batchSize, [anchor.unitsPerStage]) as [DepthPoint];
  return estimates.map((point) => ({
    ...point,
    standardPeakBytes: Math.round(anchor.standardPeakBytes + point.standardPeakBytes - base.standardPeakBytes),
    reversiblePeakBytes: Math.round(anchor.reversiblePeakBytes + point.reversiblePeakBytes - base.reversiblePeakBytes),
  }));
}
