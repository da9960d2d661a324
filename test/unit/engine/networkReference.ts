// A float64 reference in plain loops (no TensorFlow.js): convolution with "same" padding, BatchNorm, ReLU,
// the residual function and the reversible unit with its inverse. Arrays are NHWC, row-major.
export interface Array4 {
  shape: [number, number, number, number];
  data: Float64Array;
}

export function conv2dSame(x: Array4, kernel: Float64Array, kh: number, kw: number, cout: number): Array4 {
  const [n, h, w, cin] = x.shape;
  const out = new Float64Array(n * h * w * cout);
  const padTop = Math.floor((kh - 1) / 2);
  const padLeft = Math.floor((kw - 1) / 2);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) {
          let sum = 0;
          for (let di = 0; di < kh; di++) {
            const ii = i + di - padTop;
            if (ii < 0 || ii >= h) continue;
            for (let dj = 0; dj < kw; dj++) {
              const jj = j + dj - padLeft;
              if (jj < 0 || jj >= w) continue;
              for (let c = 0; c < cin; c++) {
                sum += (x.data[((b * h + ii) * w + jj) * cin + c]) * (kernel[((di * kw + dj) * cin + c) * cout + o]);
              }
            }
          }
          out[((b * h + i) * w + j) * cout + o] = sum;
        }
  return { shape: [n, h, w, cout], data: out };
}

export interface BatchNormParams {
  gamma: Float64Array;
  beta: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
}

/** training: batch mean and biased variance over N, H, W; otherwise the running statistics */
export function batchNorm(x: Array4, p: BatchNormParams, training: boolean, epsilon = 1e-5): Array4 {
  const c = x.shape[3];
  const count = x.data.length / c;
  let mean = p.mean;
  let variance = p.variance;
  if (training) {
    mean = new Float64Array(c);
    variance = new Float64Array(c);
    for (let i = 0; i < x.data.length; i++) mean[i % c] += x.data[i] / count;
    for (let i = 0; i < x.data.length; i++) variance[i % c] += (x.data[i] - mean[i % c]) ** 2 / count;
  }
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const k = i % c;
    out[i] = ((x.data[i] - mean[k]) / Math.sqrt(variance[k] + epsilon)) * p.gamma[k] + p.beta[k];
  }
  return { shape: x.shape, data: out };
}

export function relu(x: Array4): Array4 {
  return { shape: x.shape, data: x.data.map((v) => Math.max(0, v)) };
}

export function combine(a: Array4, b: Array4, sign: 1 | -1): Array4 {
  return { shape: a.shape, data: a.data.map((v, i) => v + sign * b.data[i]) };
}

export function splitChannels(x: Array4): [Array4, Array4] {
  const [n, h, w, c] = x.shape;
  const half = c / 2;
  const a = new Float64Array(x.data.length / 2);
  const b = new Float64Array(x.data.length / 2);
  for (let p = 0; p < n * h * w; p++)
    for (let k = 0; k < half; k++) {
      a[p * half + k] = x.data[p * c + k];
      b[p * half + k] = x.data[p * c + half + k];
    }
  return [{ shape: [n, h, w, half], data: a }, { shape: [n, h, w, half], data: b }];
}

export function joinChannels(a: Array4, b: Array4): Array4 {
  const [n, h, w, half] = a.shape;
  const out = new Float64Array(a.data.length * 2);
  for (let p = 0; p < n * h * w; p++)
    for (let k = 0; k < half; k++) {
      out[p * 2 * half + k] = a.data[p * half + k];
      out[p * 2 * half + half + k] = b.data[p * half + k];
    }
  return { shape: [n, h, w, 2 * half], data: out };
}

/** basic residual function: [BN-ReLU]-conv3x3-BN-ReLU-conv3x3 */
export interface BasicResidual {
  bn1?: BatchNormParams;
  conv1: Float64Array;
  bn2: BatchNormParams;
  conv2: Float64Array;
  width: number;
  out: number;
}

export function basicResidual(x: Array4, r: BasicResidual, training: boolean): Array4 {
  let h = x;
  if (r.bn1 !== undefined) h = relu(batchNorm(h, r.bn1, training));
  h = conv2dSame(h, r.conv1, 3, 3, r.width);
  h = relu(batchNorm(h, r.bn2, training));
  return conv2dSame(h, r.conv2, 3, 3, r.out);
}

export function unitForward(x: Array4, f: BasicResidual, g: BasicResidual, training: boolean): Array4 {
  const [x1, x2] = splitChannels(x);
  const y1 = combine(x1, basicResidual(x2, f, training), 1);
  const y2 = combine(x2, basicResidual(y1, g, training), 1);
  return joinChannels(y1, y2);
}

export function unitInverse(y: Array4, f: BasicResidual, g: BasicResidual, training: boolean): Array4 {
  const [y1, y2] = splitChannels(y);
  const x2 = combine(y2, basicResidual(y1, g, training), -1);
  const x1 = combine(y1, basicResidual(x2, f, training), -1);
  return joinChannels(x1, x2);
}
