// What every optimiser offers the training loop: one update from named gradients, and its state
// as plain named float32 tensors plus a few numbers, so a checkpoint can save and restore it bit for bit.
import type * as tf from '@tensorflow/tfjs-core';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export interface OptimizerState {
  /** e.g. "velocity.stage1.unit0.f.conv1.weight" */
  tensors: Map<string, HostTensor>;
  /** e.g. { step: 12 } */
  scalars: Record<string, number>;
}

export interface Optimizer {
  readonly name: 'sgd' | 'adam';
  /** one update of every parameter that has a gradient, with learning rate lr; disposes nothing it was given */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void;
  saveState(): OptimizerState;
  /** replaces the state; every tensor name and shape must match the parameters */
  loadState(state: OptimizerState, params: Map<string, tf.Variable>): void;
  /** a one-line description for logs and metadata, e.g. "sgd(momentum=0.9, weightDecay=0.0001)" */
  describe(): string;
  dispose(): void;
}

/** Weight decay applies to convolution and dense kernels (names ending in ".weight"), never to BatchNorm gamma/beta or biases. */
export function takesWeightDecay(name: string): boolean {
  return name.endsWith('.weight');
}
