// The check of an import: our logits on the user's batch against the logits their own model gave.
//
// Tolerance (docs/pytorch-import.md#the-check): both sides compute in float32 (unit roundoff u = 2^-24) but
// sum in different orders. A dot product of K terms picks up a relative rounding error of about sqrt(K)·u
// (random-walk of K roundings); through the network these add up layer by layer, so the logits may differ
// by about u · Σ_layers sqrt(K_layer) relative to their size. The tolerance is 16 times that (a factor 2 for
// the two sides and 8 of margin for BatchNorm, ReLU kinks and unlucky sums), times max(1, largest |logit|).
// A convention that is wrong (squeeze order, a missing BatchNorm) moves logits by a sizeable fraction of
// their size: thousands of times this tolerance.
import * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from '../io/fileFormatError';
import { readNpy } from '../io/npy';
import type { Architecture } from '../model/architecture';
import type { RevNet } from '../model/network';

export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;
const SAFETY = 16;

export interface LogitCheck {
  examples: number;
  maxAbsDifference: number;
  largestLogit: number;
  tolerance: number;
  /** fraction of examples whose predicted class agrees */
  argmaxAgreement: number;
  passed: boolean;
}

/** Σ over every convolution and dense layer of sqrt(fan-in): the error growth of one pass */
export function roundingDepth(architecture: Architecture): number {
  let total = 0;
  for (const shape of architecture.params.values()) {
    if (shape.length === 4) total += Math.sqrt((shape[0]) * (shape[1]) * (shape[2]));
    else if (shape.length === 2) total += Math.sqrt(shape[0]);
  }
  return total;
}

export function logitTolerance(architecture: Architecture, largestLogit: number): number {
  return SAFETY * FLOAT32_UNIT_ROUNDOFF * roundingDepth(architecture) * Math.max(1, largestLogit);
}

function asFloat32(path: string, what: string): { shape: number[]; data: Float32Array } {
  const array = readNpy(path);
  if (array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new FileFormatError(path, `has dtype ${array.dtype}; ${what} must be float32 (the values your model's forward received / returned)`);
  }
  return { shape: array.shape, data: array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as Float64Array) };
}

/** Runs the network (inference mode) on the batch exactly as the user's model received it: no normalisation here. */
export function checkLogits(network: RevNet, inputsPath: string, logitsPath: string): LogitCheck {
  const { height, width, channels } = network.config.input;
  const inputs = asFloat32(inputsPath, '--check-inputs');
  const expected = asFloat32(logitsPath, '--check-logits');
  const [n, h, w, c] = inputs.shape;
  if (inputs.shape.length !== 4 || h !== height || w !== width || c !== channels) {
    const nchw = inputs.shape.length === 4 && inputs.shape[1] === channels && inputs.shape[2] === height && inputs.shape[3] === width;
    throw new FileFormatError(
      inputsPath,
      `has shape (${inputs.shape.join(', ')}); the check batch must be NHWC (N, ${height}, ${width}, ${channels})${nchw ? ' — this looks like NCHW: permute it with x.permute(0, 2, 3, 1), as the exporter does' : ''}`,
    );
  }
  const classes = network.config.classes;
  if (expected.shape.length !== 2 || expected.shape[0] !== n || expected.shape[1] !== classes) {
    throw new FileFormatError(logitsPath, `has shape (${expected.shape.join(', ')}); the logits of ${n} examples are (${n}, ${classes})`);
  }
  const before = tf.memory().numTensors;
  const ours = tf.tidy(() => network.predict(tf.tensor4d(inputs.data, [n, height, width, channels])).dataSync() as Float32Array);
  if (tf.memory().numTensors !== before) throw new Error('checkLogits leaked tensors');
  let maxAbsDifference = 0;
  let largestLogit = 0;
  let agree = 0;
  for (let i = 0; i < (n); i++) {
    let oursBest = 0;
    let theirsBest = 0;
    for (let k = 0; k < classes; k++) {
      const at = i * classes + k;
      const a = ours[at];
      const b = expected.data[at];
      maxAbsDifference = Math.max(maxAbsDifference, Number.isFinite(a - b) ? Math.abs(a - b) : Infinity);
      largestLogit = Math.max(largestLogit, Math.abs(b));
      if (a > (ours[i * classes + oursBest])) oursBest = k;
      if (b > (expected.data[i * classes + theirsBest])) theirsBest = k;
    }
    if (oursBest === theirsBest) agree++;
  }
  const tolerance = logitTolerance(network.architecture, largestLogit);
  return {
    examples: n,
    maxAbsDifference,
    largestLogit,
    tolerance,
    argmaxAgreement: agree / (n),
    passed: maxAbsDifference <= tolerance,
  };
}
