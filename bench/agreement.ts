// Do we and the peer compute the same thing? Each tensor's largest difference relative to the largest
// magnitude of the peer's tensor (a scale-aware relative error that tiny entries cannot blow up).
import { computeGradients, disposeStep } from '../engine/backprop';
import { forwardTrunk } from '../engine/model/forward';
import { readSafetensors } from '../engine/io/safetensors';
import type { TrainMode } from '../engine/model/network.types';
import type { Stack } from './stack';

/** outputs and loss: float32 rounding only */
/**
 * Both float32 computations are judged against PyTorch in float64. Outputs and loss agree when ours is
 * within FACTOR times PyTorch float32's own error, or below FLOOR (rounding only). Gradients get a wider
 * bound, GRADIENT_BOUND: BatchNorm's backward sums 32K float32 terms that mostly cancel; PyTorch's cpu
 * kernel accumulates them in double, ours in float32 (measured: ~1e-2 ours vs ~2e-5 PyTorch float32 at
 * 4 blocks). A different computation (layout, weights, BatchNorm mode) is off by O(1), far outside.
 */
export const FACTOR = 4;
export const FLOOR = 1e-4;
export const GRADIENT_BOUND = 5e-2;

export interface Comparison {
  /** ours (float32) vs PyTorch float64 */
  ours: number;
  /** PyTorch float32 vs PyTorch float64 */
  torch: number;
  /** the tensor (for gradients: the worst one) */
  tensor: string;
}

/** over a heading's tensors (the gradients: one per parameter), ‖a − ref‖₂ / ‖ref‖₂ of ours and PyTorch float32's */
export interface RelativeL2 {
  /** the tensor whose ours / torch ratio is largest */
  worst: { tensor: string; ours: number; torch: number };
  /** the median over the tensors of ours / torch */
  medianRatio: number;
  tensors: number;
}

export interface Agreement {
  comparisons: Record<string, Comparison>;
  /** reported beside the bounds, not judged: whole-tensor error, which a few flipped ReLU masks cannot dominate */
  relativeL2: Record<string, RelativeL2>;
  /** outputs within max(FACTOR x torch, FLOOR), gradients within GRADIENT_BOUND */
  agrees: boolean;
  worst: { name: string; error: number };
  ours: { loss: number; reversibleLoss: number };
  peer: { loss: number; loss64: number };
}

/** ‖ours − theirs‖₂ / ‖theirs‖₂ */
export function relativeL2(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < theirs.length; i++) {
    diff += (ours[i] - theirs[i]) ** 2;
    scale += theirs[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(scale), 1e-30);
}

/** max |ours − theirs| / max |theirs| */
export function relativeError(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < theirs.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(theirs[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

const within = (what: string, c: Comparison): boolean =>
  c.ours <= (what.endsWith('gradients') ? GRADIENT_BOUND : Math.max(FACTOR * c.torch, FLOOR));

/** ours: inference logits (initial running statistics), training-mode features, then both modes' steps */
export function compareWithPeer(stack: Stack, peerFile: string, peerLoss: number, peerLoss64: number): Agreement {
  const peer = readSafetensors(peerFile).tensors;
  const get = (name: string): Float32Array => {
    const t = peer.get(name);
    if (t === undefined) throw new Error(`${peerFile}: the peer wrote no tensor "${name}"`);
    return t.data as Float32Array;
  };
  const comparisons: Record<string, Comparison> = {};
  const l2: Record<string, { tensor: string; ours: number; torch: number }[]> = {};
  const compare = (what: string, name: string, ours: ArrayLike<number>): Comparison => {
    const reference = get(`f64.${name}`);
    (l2[what] ??= []).push({ tensor: name, ours: relativeL2(ours, reference), torch: relativeL2(get(name), reference) });
    const c = { ours: relativeError(ours, reference), torch: relativeError(get(name), reference), tensor: name };
    const previous = comparisons[what] as typeof c | undefined;
    // several tensors under one heading (gradients): keep the one furthest outside its bound
    if (previous === undefined || c.ours / Math.max(c.torch, FLOOR) > previous.ours / Math.max(previous.torch, FLOOR)) comparisons[what] = c;
    return c;
  };
  const inference = stack.net.predict(stack.images);
  compare('inference logits', 'inference_logits', inference.dataSync());
  inference.dispose();
  const { features } = forwardTrunk(stack.net, stack.images, { training: true });
  compare('training trunk output', 'features', features.dataSync());
  features.dispose();
  const losses: Record<TrainMode, number> = { standard: 0, reversible: 0 };
  for (const mode of ['standard', 'reversible'] as const) {
    const step = computeGradients(stack.net, stack.images, stack.labels, mode);
    losses[mode] = step.loss.dataSync()[0];
    comparisons[`${mode} loss`] = { ours: Math.abs(losses[mode] - peerLoss64) / Math.abs(peerLoss64), torch: Math.abs(peerLoss - peerLoss64) / Math.abs(peerLoss64), tensor: 'loss' };
    compare(`${mode} logits`, 'logits', step.logits.dataSync());
    for (const [name, grad] of step.grads) compare(`${mode} gradients`, `grad.${name}`, grad.dataSync());
    disposeStep(step);
  }
  const [name, worst] = Object.entries(comparisons).reduce((a, b) => (b[1].ours > a[1].ours ? b : a));
  const agrees = Object.entries(comparisons).every(([what, c]) => within(what, c));
  const ratio = (e: { ours: number; torch: number }) => e.ours / Math.max(e.torch, 1e-30);
  const relativeL2s: Record<string, RelativeL2> = {};
  for (const [what, entries] of Object.entries(l2)) {
    const ratios = entries.map(ratio).sort((a, b) => a - b);
    const worst = entries.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
    relativeL2s[what] = { worst, medianRatio: ratios[Math.floor(ratios.length / 2)] ?? Number.NaN, tensors: entries.length };
  }
  return { comparisons, relativeL2: relativeL2s, agrees, worst: { name: `${name} (${worst.tensor})`, error: worst.ours }, ours: { loss: losses.standard, reversibleLoss: losses.reversible }, peer: { loss: peerLoss, loss64: peerLoss64 } };
}
