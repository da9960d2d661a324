// The two gradients of a 2-D convolution (NHWC input, HWIO filter) in plain float64 loops, from the
// definition: y[n,r,c,o] = Σ_{a,b,i} x[n, r·sh + a − padTop, c·sw + b − padLeft, i] · w[a,b,i,o],
// out-of-range input pixels being zero. An independent reference for the wasm kernels' tests and for
// bench/gradientPrecision.ts; no TensorFlow.js.

export interface ConvLayout {
  /** input [N, H, W, Ci] */
  x: [number, number, number, number];
  /** filter [KH, KW, Ci, Co] */
  filter: [number, number, number, number];
  /** output height and width */
  out: [number, number];
  strides: [number, number];
  /** padding above and left of the input */
  padTop: number;
  padLeft: number;
}

/**
 * Calls visit(dyBase, xBase, wBase) for every output pixel and filter tap whose input pixel lies inside the input:
 * the flat offsets of dy[n,r,c,0], x[n,row,col,0] and w[a,b,0,0].
 */
function forEachTap(l: ConvLayout, visit: (dyBase: number, xBase: number, wBase: number) => void): void {
  const [n, h, w, ci] = l.x;
  const [kh, kw, , co] = l.filter;
  const [oh, ow] = l.out;
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let c = 0; c < ow; c++) {
        const dyBase = ((b * oh + r) * ow + c) * co;
        for (let a = 0; a < kh; a++) {
          const row = r * l.strides[0] + a - l.padTop;
          if (row < 0 || row >= h) continue;
          for (let e = 0; e < kw; e++) {
            const col = c * l.strides[1] + e - l.padLeft;
            if (col < 0 || col >= w) continue;
            visit(dyBase, ((b * h + row) * w + col) * ci, (a * kw + e) * ci * co);
          }
        }
      }
}

/** dw[a,b,i,o] = Σ_{n,r,c} x[n, r·sh + a − padTop, c·sw + b − padLeft, i] · dy[n,r,c,o] */
export function filterGradientFloat64(x: ArrayLike<number>, dy: ArrayLike<number>, l: ConvLayout): Float64Array {
  const [kh, kw, ci, co] = l.filter;
  const dw = new Float64Array(kh * kw * ci * co);
  forEachTap(l, (dyBase, xBase, wBase) => {
    for (let i = 0; i < ci; i++) {
      const xv = x[xBase + i];
      const dwRow = wBase + i * co;
      for (let o = 0; o < co; o++) dw[dwRow + o] += xv * dy[dyBase + o];
    }
  });
  return dw;
}

/** dx[n,row,col,i] = Σ over (r,c,a,b) reading that pixel of dy[n,r,c,o] · w[a,b,i,o] */
export function inputGradientFloat64(dy: ArrayLike<number>, filter: ArrayLike<number>, l: ConvLayout): Float64Array {
  const [n, h, w, ci] = l.x;
  const co = l.filter[3];
  const dx = new Float64Array(n * h * w * ci);
  forEachTap(l, (dyBase, xBase, wBase) => {
    for (let i = 0; i < ci; i++) {
      let sum = 0;
      for (let o = 0; o < co; o++) sum += dy[dyBase + o] * filter[wBase + i * co + o];
      dx[xBase + i] += sum;
    }
  });
  return dx;
}
