// The step learning-rate schedule: the base rate, multiplied by `factor` (0.1) at each epoch in `drops`.
// An epoch number e in drops means: from the (e+1)-th epoch on (0-based epoch index e), the rate is lower.

export interface LearningRateSchedule {
  base: number;
  drops: number[];
  factor: number;
}

export function learningRateAt(schedule: LearningRateSchedule, epochIndex: number): number {
  let rate = schedule.base;
  for (const drop of schedule.drops) if (epochIndex >= drop) rate *= schedule.factor;
  return rate;
}

/** parses "30,45" (epochs) into a sorted list; names the option in errors */
export function parseDrops(text: string, option: string): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error(`${option}: "${part}" is not an epoch number (a whole number ≥ 1)`);
    return value;
  }).sort((a, b) => a - b);
}
