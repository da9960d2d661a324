// The backward pass of one reversible unit (the paper's Algorithm 1), from its output and output gradient:
// rebuild the input and compute the unit's parameter gradients with only this unit's activations alive.
import * as tf from '@tensorflow/tfjs-core';
import './registerGradients';
import type { ReversibleStep } from '../model/architecture';
import { residual, residualParamNames } from '../model/residual';
import { param, type RunContext } from '../model/runContext';
import type { Halves } from '../model/units';
import { runToEnd, type Stepwise } from '../util/stepwise';

export interface UnitBackward {
  /** the rebuilt input (x1, x2) */
  x: Halves;
  /** the gradient of the loss with respect to the input, (dx1, dx2) */
  dx: Halves;
  /** one gradient per parameter of F and G */
  grads: Map<string, tf.Tensor>;
}

/**
 * G(y1) is evaluated once, under the tape: its value rebuilds x2 = y2 - G(y1) and its vector-Jacobian
 * product gives G's parameter gradients and dy1 += (∂G/∂y1)ᵀ dy2. Then F(x2), once, under the tape:
 * x1 = y1 - F(x2), F's parameter gradients and dx2 = dy2 + (∂F/∂x2)ᵀ dy1; dx1 = dy1.
 * ctx must not record batch statistics: the running statistics moved once, in the forward pass.
 */
export function reversibleUnitBackward(ctx: RunContext, step: ReversibleStep, y: Halves, dy: Halves): UnitBackward {
  return runToEnd(reversibleUnitBackwardSteps(ctx, step, y, dy));
}

/** reversibleUnitBackward, yielding between the G and the F half (each in its own tidy) */
export function* reversibleUnitBackwardSteps(ctx: RunContext, step: ReversibleStep, [y1, y2]: Halves, [dy1, dy2]: Halves): Stepwise<UnitBackward> {
  if (ctx.stats !== undefined) throw new Error('the reversible recomputation must not record BatchNorm statistics');
  const grads = new Map<string, tf.Tensor>();
  const [x2, dy1Total] = tf.tidy(() => {
    const gNames = residualParamNames(step.g);
    const gPass = tf.valueAndGrads((input: tf.Tensor) => residual(ctx, step.g, input as tf.Tensor4D))(
      [y1, ...gNames.map((name) => param(ctx, name))],
      dy2,
    );
    gNames.forEach((name, i) => grads.set(name, tf.keep(gPass.grads[i + 1])));
    const x2: tf.Tensor4D = tf.sub(y2, gPass.value);
    const dy1Total: tf.Tensor4D = tf.add(dy1, gPass.grads[0]);
    return [x2, dy1Total];
  });
  try {
    yield;
  } catch (error) {
    tf.dispose([x2, dy1Total, ...grads.values()]);
    throw error;
  }
  const [x1, dx2] = tf.tidy(() => {
    const fNames = residualParamNames(step.f);
    const fPass = tf.valueAndGrads((input: tf.Tensor) => residual(ctx, step.f, input as tf.Tensor4D))(
      [x2, ...fNames.map((name) => param(ctx, name))],
      dy1Total,
    );
    fNames.forEach((name, i) => grads.set(name, tf.keep(fPass.grads[i + 1])));
    const x1: tf.Tensor4D = tf.sub(y1, fPass.value);
    const dx2: tf.Tensor4D = tf.add(dy2, fPass.grads[0]);
    return [x1, dx2];
  });
  return { x: [x1, x2], dx: [dy1Total, dx2], grads };
}
