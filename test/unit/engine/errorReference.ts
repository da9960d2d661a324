// The reconstruction-error statistics computed independently of engine/inspect: plain float64 loops.

/** max |a-b| over all, relative L2, and max |a-b| per channel (last axis) */
export function reference(truth: ArrayLike<number>, rebuilt: ArrayLike<number>, channels: number) {
  let max = 0;
  let num = 0;
  let den = 0;
  const perChannel = new Array<number>(channels).fill(0);
  for (let i = 0; i < truth.length; i++) {
    const d = Math.abs(truth[i] - rebuilt[i]);
    max = Math.max(max, d);
    perChannel[i % channels] = Math.max(perChannel[i % channels], d);
    num += d * d;
    den += truth[i] ** 2;
  }
  return { max, relL2: Math.sqrt(num / den), perChannel };
}
