// The resolved training options (every default filled in), stored in the checkpoint's state.json.
import type { TrainParams } from '../../protocol/engineApi';
import type { TrainMode } from '../model/network.types';
import type { Augmentation } from './augment';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  mode: TrainMode;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** epochs after which the learning rate is multiplied by lrFactor */
  lrDrops: number[];
  lrFactor: number;
  seed: number;
  /** stop after this many steps in total (undefined: every epoch) */
  steps?: number;
  shuffle: boolean;
  /** also checkpoint every N steps */
  checkpointEvery?: number;
  /** λ of the bi-Lipschitz regularizer (engine/stability/regularizer.ts); absent when off */
  stabilityReg?: number;
  /** random moves of the training images (engine/train/augment.ts); absent when off */
  augment?: Augmentation;
}

export const DEFAULT_SEED = 0;
export const DEFAULT_LEARNING_RATE = { sgd: 0.1, adam: 0.001 } as const;
export const DEFAULT_WEIGHT_DECAY = { sgd: 1e-4, adam: 0 } as const;

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${what} must be a whole number ≥ 1, got ${value}`);
  return value;
}

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${what} must be a number ≥ 0, got ${value}`);
  return value;
}

export function resolveOptions(params: TrainParams): TrainOptions {
  // strings, not the unions: callers over JSON-RPC may send anything
  const optimizer: string = params.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new Error(`optimizer must be "sgd" or "adam", got "${optimizer}"`);
  const mode: string = params.mode ?? 'reversible';
  if (mode !== 'reversible' && mode !== 'standard') throw new Error(`mode must be "reversible" or "standard", got "${mode}"`);
  const learningRate = params.learningRate ?? DEFAULT_LEARNING_RATE[optimizer];
  if (!Number.isFinite(learningRate) || learningRate <= 0) throw new Error(`the learning rate must be a number > 0, got ${learningRate}`);
  const momentum = nonNegative(params.momentum ?? 0.9, 'momentum');
  if (momentum >= 1) throw new Error(`momentum must be below 1, got ${momentum}`);
  const seed = params.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`the seed must be a whole number ≥ 0, got ${seed}`);
  const options: TrainOptions = {
    epochs: positiveInteger(params.epochs, 'epochs'),
    batchSize: positiveInteger(params.batchSize, 'the batch size'),
    mode,
    optimizer,
    learningRate,
    momentum,
    weightDecay: nonNegative(params.weightDecay ?? DEFAULT_WEIGHT_DECAY[optimizer], 'weight decay'),
    lrDrops: [...(params.lrDrops ?? [])].sort((a, b) => a - b),
    lrFactor: 0.1,
    seed,
    shuffle: params.shuffle ?? true,
  };
  for (const drop of options.lrDrops) positiveInteger(drop, 'each learning-rate drop epoch');
  if (params.steps !== undefined) options.steps = positiveInteger(params.steps, 'steps');
  if (params.checkpointEvery !== undefined) options.checkpointEvery = positiveInteger(params.checkpointEvery, 'checkpoint-every');
  // 0 is today's training exactly, so it is stored as absent
  const stabilityReg = nonNegative(params.stabilityReg ?? 0, 'stability-reg');
  if (stabilityReg > 0) options.stabilityReg = stabilityReg;
  const augment = params.augment;
  if (augment !== undefined) {
    // checked as data: callers over JSON-RPC and checkpoints may hold anything
    const { shift, flip } = augment as { shift: unknown; flip: unknown };
    if (typeof shift !== 'number' || !Number.isSafeInteger(shift) || shift < 0) throw new Error(`the augmentation's shift must be a whole number of pixels ≥ 0, got ${JSON.stringify(shift)}`);
    if (typeof flip !== 'boolean') throw new Error(`the augmentation's flip must be true or false, got ${JSON.stringify(flip)}`);
    // none is today's training exactly, so it is stored as absent
    if (shift > 0 || flip) options.augment = { shift, flip };
  }
  return options;
}
