// The reversible unit (additive coupling) and its inverse, and the non-invertible transition unit.
import * as tf from '@tensorflow/tfjs-core';
import type { ReversibleStep, TransitionStep } from './architecture';
import { residual } from './residual';
import { param, type RunContext } from './runContext';

// Channel halves through a transpose that brings the halves to the front ([NHW, 2, C/2] → [2, NHW, C/2]):
// on wasm, split and concat along the last axis take a generic per-element path (~10x slower, bench/).
// Each direction is one op whose gradient is the other direction, so autodiff saves no tensors for it.

/** [N,H,W,C] → [2,N,H,W,C/2] */
function halvesFirst(x: tf.Tensor): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [n * h * w, 2, c / 2]), [1, 0, 2]), [2, n, h, w, c / 2]);
}

/** [2,N,H,W,C/2] → [N,H,W,C] */
function halvesLast(s: tf.Tensor): tf.Tensor {
  const [, n, h, w, half] = s.shape as [number, number, number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(s, [2, n * h * w, half]), [1, 0, 2]), [n, h, w, 2 * half]);
}

function withGradient(forward: (t: tf.Tensor) => tf.Tensor, backward: (dy: tf.Tensor) => tf.Tensor) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: forward(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => backward(dy),
  }));
}

const toHalvesFirst = withGradient(halvesFirst, halvesLast);
const toHalvesLast = withGradient(halvesLast, halvesFirst);

export function splitHalves(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => tf.unstack(toHalvesFirst(x)) as [tf.Tensor4D, tf.Tensor4D]);
}

export function joinHalves(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  if (b.shape[3] !== a.shape[3]) return tf.concat([a, b], 3);
  return tf.tidy(() => toHalvesLast(tf.stack([a, b])) as tf.Tensor4D);
}

/** the two channel halves of an activation, kept apart between consecutive reversible units */
export type Halves = [tf.Tensor4D, tf.Tensor4D];

/** y1 = x1 + F(x2), y2 = x2 + G(y1) */
export function reversibleForward(ctx: RunContext, step: ReversibleStep, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [x1, x2] = splitHalves(x);
    const y1: tf.Tensor4D = tf.add(x1, residual(ctx, step.f, x2));
    const y2: tf.Tensor4D = tf.add(x2, residual(ctx, step.g, y1));
    return joinHalves(y1, y2);
  });
}

export function reversibleForwardHalves(ctx: RunContext, step: ReversibleStep, [x1, x2]: Halves): Halves {
  return tf.tidy(() => {
    const y1: tf.Tensor4D = tf.add(x1, residual(ctx, step.f, x2));
    const y2: tf.Tensor4D = tf.add(x2, residual(ctx, step.g, y1));
    return [y1, y2] as Halves;
  });
}

/** x2 = y2 - G(y1), x1 = y1 - F(x2) */
export function reversibleInverse(ctx: RunContext, step: ReversibleStep, y: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [y1, y2] = splitHalves(y);
    const x2: tf.Tensor4D = tf.sub(y2, residual(ctx, step.g, y1));
    const x1: tf.Tensor4D = tf.sub(y1, residual(ctx, step.f, x2));
    return joinHalves(x1, x2);
  });
}

/** S: average pooling 2x2 (strided) and symmetric zero channel padding (basic), or a 1x1 projection (bottleneck) */
export function shortcut(ctx: RunContext, step: TransitionStep, x: tf.Tensor4D): tf.Tensor4D {
  if (step.shortcut === 'projection') {
    return tf.conv2d(x, param(ctx, `${step.id}.shortcut.weight`) as tf.Tensor4D, step.stride, 'same');
  }
  const pooled = step.stride === 2 ? tf.avgPool(x, 2, 2, 'valid') : x;
  const extra = step.f.outChannels - step.f.inChannels;
  if (extra === 0) return pooled;
  const before = Math.floor(extra / 2);
  return tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [before, extra - before]]);
}

/** y1 = S(x1) + F(x2), y2 = S(x2) + G(y1), F strided and changing channels */
export function transitionForward(ctx: RunContext, step: TransitionStep, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [x1, x2] = splitHalves(x);
    const y1: tf.Tensor4D = tf.add(shortcut(ctx, step, x1), residual(ctx, step.f, x2));
    const y2: tf.Tensor4D = tf.add(shortcut(ctx, step, x2), residual(ctx, step.g, y1));
    return joinHalves(y1, y2);
  });
}
