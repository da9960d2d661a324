// The benchmarked block stack: a squeeze stem (conv-free: 64x64x8 images become the 32x32x32 tensor),
// one stage of `depth` basic reversible units at 32 channels, and the BatchNorm-ReLU / global average /
// dense head with softmax cross-entropy. The same model is rebuilt in bench/torch_peer.py.
import * as tf from '@tensorflow/tfjs-core';
import type { RevNetConfig } from '../engine/model/config';
import { buildNetwork, networkToTensors, type RevNet } from '../engine/model/network';
import { writeSafetensorsSync } from '../engine/io/safetensors';
import { SeededRandom } from '../engine/util/random';

export const BATCH = 32;
export const CLASSES = 10;

export function stackConfig(depth: number): RevNetConfig {
  return {
    name: `bench-stage-${depth}`,
    input: { height: 64, width: 64, channels: 8 },
    classes: CLASSES,
    stem: { kind: 'squeeze' },
    stages: [{ units: depth, channels: 32, residual: 'basic', downsample: 'none' }],
    head: { pool: 'global-average' },
  };
}

export interface Stack {
  net: RevNet;
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  hostImages: Float32Array;
  hostLabels: Float32Array;
}

export function buildStack(depth: number, seed = 6): Stack {
  const config = stackConfig(depth);
  const net = buildNetwork(config, seed);
  const random = new SeededRandom(seed + 1000);
  const { height, width, channels } = config.input;
  const hostImages = random.normalArray(BATCH * height * width * channels);
  const hostLabels = Float32Array.from({ length: BATCH }, () => random.int(CLASSES));
  return {
    net,
    images: tf.tensor4d(hostImages, [BATCH, height, width, channels]),
    labels: tf.tensor1d(hostLabels),
    hostImages,
    hostLabels,
  };
}

/** weights and batch as two safetensors files written by the engine's writer, for the peer */
export function exportStack(stack: Stack, weightsPath: string, batchPath: string): void {
  writeSafetensorsSync(weightsPath, networkToTensors(stack.net));
  const { height, width, channels } = stack.net.config.input;
  writeSafetensorsSync(batchPath, {
    images: { shape: [BATCH, height, width, channels], data: stack.hostImages },
    labels: { shape: [BATCH], data: stack.hostLabels },
  });
}

export function disposeStack(stack: Stack): void {
  stack.net.dispose();
  tf.dispose([stack.images, stack.labels]);
}
