// Training defaults per preset (what `revnet train --preset P` uses when an option is not given),
// chosen so that the README's command reaches its goal; other models get the generic ones.
import type { TrainingDefaults } from '../../protocol/engineApi';

export type { TrainingDefaults };

export const GENERIC_DEFAULTS: TrainingDefaults = { epochs: 10, batchSize: 64, optimizer: 'sgd', learningRate: 0.1, lrDrops: [] };

const PRESET_DEFAULTS: Record<string, TrainingDefaults> = {
  'mnist-tiny': { epochs: 3, batchSize: 64, optimizer: 'adam', learningRate: 0.002, lrDrops: [] },
  // random shifts of up to 2 pixels: 5 epochs on the 8,000 built-in digits overfit without them
  'mnist-small': { epochs: 5, batchSize: 128, optimizer: 'adam', learningRate: 0.003, lrDrops: [3], augment: { shift: 2, flip: false } },
};

export function trainingDefaults(preset: string | undefined): TrainingDefaults {
  return (preset !== undefined ? PRESET_DEFAULTS[preset] : undefined) ?? GENERIC_DEFAULTS;
}
