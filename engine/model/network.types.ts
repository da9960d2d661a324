// The contract between the model (engine/model), the two backward passes (engine/backprop),
// training (engine/train), inspection (engine/inspect) and the file formats (engine/io).
// Tensors stay inside the engine: public operations (CLI, JSON-RPC) return plain numbers and typed arrays.
import type * as tf from '@tensorflow/tfjs-core';
import type { RevNetConfig } from './config';

export type TrainMode = 'standard' | 'reversible';

/** Every tensor of a model, by its safetensors name (docs/model-files.md), float32, NHWC activations, HWIO conv kernels. */
export interface NetworkWeights {
  /** trained by the optimiser: conv kernels, BatchNorm gamma/beta, dense kernels and biases */
  params: Map<string, tf.Variable>;
  /** BatchNorm running statistics: "<bn>.mean", "<bn>.variance" */
  buffers: Map<string, tf.Variable>;
}

export interface Network {
  readonly config: RevNetConfig;
  readonly weights: NetworkWeights;
  /** logits of a batch, BatchNorm in inference mode (running statistics) */
  predict(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

/** What one training step's backward pass produces; the caller owns (and disposes) every tensor. */
export interface StepGradients {
  loss: tf.Scalar;
  logits: tf.Tensor2D;
  /** one gradient per entry of weights.params, same names and shapes */
  grads: Map<string, tf.Tensor>;
}

/**
 * A training step's gradients, in either mode, BatchNorm in training mode (batch statistics).
 * Updates the BatchNorm running statistics exactly once; does not change params.
 * Signature of computeGradients in engine/backprop/index.ts.
 */
export type ComputeGradients = (
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: TrainMode,
) => StepGradients;
