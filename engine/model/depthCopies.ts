// Shallower copies of a model (same widths, fewer units per stage) on which a training step's peak is
// measured: which unit counts are worth measuring. Used by the inspection and by its memory estimate.
import type { RevNetConfig } from './config';

export const MEASURED_UNITS = [1, 2, 4];

/** unit counts worth measuring: no copy has more units in all than the model */
export function unitsToMeasure(config: RevNetConfig): number[] {
  const total = config.stages.reduce((sum, stage) => sum + stage.units, 0);
  const own = uniformUnits(config);
  return MEASURED_UNITS.filter((units) => units * config.stages.length <= total && units !== own);
}

/** the units per stage when every stage has the same number, else undefined */
export function uniformUnits(config: RevNetConfig): number | undefined {
  const first = config.stages[0]?.units;
  return config.stages.every((stage) => stage.units === first) ? first : undefined;
}
