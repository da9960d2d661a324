// How closely two float32 computations of one training step must agree (reversible vs standard backprop,
// data-parallel vs single-process). The paper's authors accept under 1 degree between two gradients; cosine
// 0.9999 is 0.8 degrees. Two such computations differ only by float32 rounding (measured ~1e-6 relative),
// amplified where a gradient is small, so 1e-3 relative is a generous but meaningful bound: dropping a term
// (e.g. dy1 += ∂G/∂y1ᵀ dy2, or a BatchNorm sum over one slice instead of the batch) gives errors of order 1.
export const MIN_COSINE = 0.9999;
export const MAX_REL_ERR = 1e-3;
/**
 * loss, relative to max(1, |loss|). After an update the loss also carries the previous step's rounding: two
 * equally valid summation orders of BatchNorm's sums (one batch, or slices combined) gave second-step losses up
 * to 1.4e-6 apart (parallelStep.test.ts)
 */
export const MAX_LOSS_ERR = 2e-6;
/** logits and running statistics, relative to max(1, max |value|) */
export const MAX_VALUE_ERR = 1e-5;
