// An activation between steps of the reversible pass: whole (NHWC) or as its two channel halves, which
// consecutive reversible units hand to each other without splitting and joining at every unit.
import type * as tf from '@tensorflow/tfjs-core';
import { joinHalves, splitHalves, type Halves } from '../model/units';

export type Activation = tf.Tensor4D | Halves;

export function tensorsOf(a: Activation): tf.Tensor4D[] {
  return Array.isArray(a) ? [...a] : [a];
}

/** the halves of `a`; a whole tensor is split and then disposed unless it is `keep` */
export function toHalves(a: Activation, keep?: tf.Tensor): Halves {
  if (Array.isArray(a)) return a;
  const halves = splitHalves(a);
  if (a !== keep) a.dispose();
  return halves;
}

/** `a` as one tensor; halves are joined and then disposed */
export function toWhole(a: Activation): tf.Tensor4D {
  if (!Array.isArray(a)) return a;
  const whole = joinHalves(a[0], a[1]);
  a[0].dispose();
  a[1].dispose();
  return whole;
}
