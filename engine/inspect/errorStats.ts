// Error statistics computed on the host in float64, so that the figures do not inherit float32 rounding
// of their own: reconstruction errors of activations (NHWC, channels last) and agreement of gradients.

export interface ActivationError {
  /** max |truth - rebuilt| */
  maxAbs: number;
  /** ||truth - rebuilt||₂ / ||truth||₂ (the absolute L2 error when truth is all zeros) */
  relL2: number;
  /** max |truth - rebuilt| of every channel (the last axis) */
  channelMaxAbs: number[];
}

export function activationError(truth: ArrayLike<number>, rebuilt: ArrayLike<number>, channels: number): ActivationError {
  if (truth.length !== rebuilt.length) throw new Error(`cannot compare ${truth.length} values with ${rebuilt.length}`);
  const channelMaxAbs = new Array<number>(channels).fill(0);
  let squaredError = 0;
  let squaredTruth = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const d = Math.abs(t - rebuilt[i]);
    const c = i % channels;
    // NaN must show, not vanish in a comparison
    if (d > channelMaxAbs[c] || Number.isNaN(d)) channelMaxAbs[c] = d;
    squaredError += d * d;
    squaredTruth += t * t;
  }
  const maxAbs = channelMaxAbs.reduce((a, b) => (Number.isNaN(b) || b > a ? b : a), 0);
  const relL2 = squaredTruth === 0 ? Math.sqrt(squaredError) : Math.sqrt(squaredError / squaredTruth);
  return { maxAbs, relL2, channelMaxAbs };
}

/** index and value of the largest entry (the first one on ties) */
export function worstOf(values: number[]): { index: number; maxAbs: number } {
  let index = 0;
  values.forEach((value, i) => {
    if (value > values[index] || (Number.isNaN(value) && !Number.isNaN(values[index]))) index = i;
  });
  return { index, maxAbs: values[index] ?? 0 };
}

export interface VectorAgreement {
  /** ||candidate - reference|| / ||reference|| (absolute when the reference is zero) */
  relErr: number;
  /** cosine of the angle between the two (1 when both are zero, 0 when only one is) */
  cosine: number;
}

/** agreement of two vectors given as lists of parts (e.g. the gradients of a block's parameters) */
export function vectorAgreement(reference: ArrayLike<number>[], candidate: ArrayLike<number>[]): VectorAgreement {
  if (reference.length !== candidate.length) throw new Error(`cannot compare ${reference.length} tensors with ${candidate.length}`);
  let dot = 0;
  let rr = 0;
  let cc = 0;
  let dd = 0;
  reference.forEach((r, part) => {
    const c = candidate[part];
    if (r.length !== c.length) throw new Error(`tensor ${part}: cannot compare ${r.length} values with ${c.length}`);
    for (let i = 0; i < r.length; i++) {
      const p = r[i];
      const q = c[i];
      dot += p * q;
      rr += p * p;
      cc += q * q;
      dd += (p - q) * (p - q);
    }
  });
  const cosine = rr === 0 && cc === 0 ? 1 : rr === 0 || cc === 0 ? 0 : dot / Math.sqrt(rr * cc);
  const relErr = rr === 0 ? Math.sqrt(dd) : Math.sqrt(dd / rr);
  return { relErr, cosine };
}
