// The invertible steps (reversible units, squeezes) in float64 plain loops, without TensorFlow.js, from a
// network's weights: the reference that tells float32 rounding from an ill-conditioned inverse.
// Arrays are NHWC, row-major. Reversible units only (stride 1, "same" padding, basic or bottleneck).
import { residualLayers, type ReversibleStep, type ResidualSpec } from '../model/architecture';
import { batchNormSettings } from '../model/network';
import type { Network } from '../model/network.types';

export interface Array64 {
  shape: [number, number, number, number];
  data: Float64Array;
}

/** the float64 copies of a network's tensors, made once */
export class Float64Weights {
  private readonly cache = new Map<string, Float64Array>();
  readonly epsilon: number;

  constructor(private readonly network: Network) {
    this.epsilon = batchNormSettings(network).epsilon;
  }

  get(name: string): Float64Array {
    let found = this.cache.get(name);
    if (found === undefined) {
      const variable = this.network.weights.params.get(name) ?? this.network.weights.buffers.get(name);
      if (variable === undefined) throw new Error(`the network has no tensor "${name}"`);
      found = Float64Array.from(variable.dataSync());
      this.cache.set(name, found);
    }
    return found;
  }
}

export function conv2dSame(x: Array64, kernel: Float64Array, kh: number, kw: number, cout: number): Array64 {
  const [n, h, w, cin] = x.shape;
  const out = new Float64Array(n * h * w * cout);
  const padTop = Math.floor((kh - 1) / 2);
  const padLeft = Math.floor((kw - 1) / 2);
  const sums = new Float64Array(cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        sums.fill(0);
        for (let di = 0; di < kh; di++) {
          const ii = i + di - padTop;
          if (ii < 0 || ii >= h) continue;
          for (let dj = 0; dj < kw; dj++) {
            const jj = j + dj - padLeft;
            if (jj < 0 || jj >= w) continue;
            const xBase = ((b * h + ii) * w + jj) * cin;
            const kBase = (di * kw + dj) * cin * cout;
            for (let c = 0; c < cin; c++) {
              const xv = x.data[xBase + c];
              if (xv === 0) continue;
              const kRow = kBase + c * cout;
              for (let o = 0; o < cout; o++) sums[o] = (sums[o]) + xv * (kernel[kRow + o]);
            }
          }
        }
        out.set(sums, ((b * h + i) * w + j) * cout);
      }
  return { shape: [n, h, w, cout], data: out };
}

/** BatchNorm then ReLU; training: batch mean and biased variance over N, H, W, else the running statistics */
export function batchNormRelu(x: Array64, weights: Float64Weights, name: string, training: boolean): Array64 {
  const c = x.shape[3];
  const count = x.data.length / c;
  let mean = weights.get(`${name}.mean`);
  let variance = weights.get(`${name}.variance`);
  if (training) {
    mean = new Float64Array(c);
    variance = new Float64Array(c);
    for (let i = 0; i < x.data.length; i++) mean[i % c] += (x.data[i]) / count;
    for (let i = 0; i < x.data.length; i++) variance[i % c] += ((x.data[i]) - (mean[i % c])) ** 2 / count;
  }
  const gamma = weights.get(`${name}.gamma`);
  const beta = weights.get(`${name}.beta`);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const k = i % c;
    const v = (((x.data[i]) - (mean[k])) / Math.sqrt((variance[k]) + weights.epsilon)) * (gamma[k]) + (beta[k]);
    out[i] = v > 0 ? v : 0;
  }
  return { shape: x.shape, data: out };
}

export function residual64(x: Array64, spec: ResidualSpec, weights: Float64Weights, training: boolean): Array64 {
  let h = x;
  for (const layer of residualLayers(spec)) {
    if (layer.stride !== 1) throw new Error(`${layer.conv} is strided; the float64 reference covers reversible units only`);
    if (layer.bn !== undefined) h = batchNormRelu(h, weights, layer.bn, training);
    const [kh, kw, , cout] = layer.kernel as [number, number, number, number];
    h = conv2dSame(h, weights.get(`${layer.conv}.weight`), kh, kw, cout);
  }
  return h;
}

function combine(a: Array64, b: Array64, sign: 1 | -1): Array64 {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (a.data[i]) + sign * (b.data[i]);
  return { shape: a.shape, data: out };
}

export function splitChannels(x: Array64): [Array64, Array64] {
  const [n, h, w, c] = x.shape;
  const half = c / 2;
  const a = new Float64Array(x.data.length / 2);
  const b = new Float64Array(x.data.length / 2);
  for (let p = 0; p < n * h * w; p++) {
    a.set(x.data.subarray(p * c, p * c + half), p * half);
    b.set(x.data.subarray(p * c + half, (p + 1) * c), p * half);
  }
  return [{ shape: [n, h, w, half], data: a }, { shape: [n, h, w, half], data: b }];
}

export function joinChannels(a: Array64, b: Array64): Array64 {
  const [n, h, w, half] = a.shape;
  const out = new Float64Array(a.data.length * 2);
  for (let p = 0; p < n * h * w; p++) {
    out.set(a.data.subarray(p * half, (p + 1) * half), p * 2 * half);
    out.set(b.data.subarray(p * half, (p + 1) * half), p * 2 * half + half);
  }
  return { shape: [n, h, w, 2 * half], data: out };
}

/** y1 = x1 + F(x2), y2 = x2 + G(y1) */
export function reversibleForward64(step: ReversibleStep, weights: Float64Weights, x: Array64, training: boolean): Array64 {
  const [x1, x2] = splitChannels(x);
  const y1 = combine(x1, residual64(x2, step.f, weights, training), 1);
  const y2 = combine(x2, residual64(y1, step.g, weights, training), 1);
  return joinChannels(y1, y2);
}

/** x2 = y2 − G(y1), x1 = y1 − F(x2) */
export function reversibleInverse64(step: ReversibleStep, weights: Float64Weights, y: Array64, training: boolean): Array64 {
  const [y1, y2] = splitChannels(y);
  const x2 = combine(y2, residual64(y1, step.g, weights, training), -1);
  const x1 = combine(y1, residual64(x2, step.f, weights, training), -1);
  return joinChannels(x1, x2);
}

/** space-to-depth 2x2: output channel (dy*2 + dx)*C + c holds input pixel (2h+dy, 2w+dx, c) */
export function squeeze64(x: Array64): Array64 {
  const [n, h, w, c] = x.shape;
  const out = new Float64Array(x.data.length);
  const oh = h / 2;
  const ow = w / 2;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const dst = (((b * oh + (i >> 1)) * ow + (j >> 1)) * 4 + (i & 1) * 2 + (j & 1)) * c;
        out.set(x.data.subarray(((b * h + i) * w + j) * c, ((b * h + i) * w + j + 1) * c), dst);
      }
  return { shape: [n, oh, ow, 4 * c], data: out };
}

export function unsqueeze64(y: Array64): Array64 {
  const [n, oh, ow, c4] = y.shape;
  const c = c4 / 4;
  const h = 2 * oh;
  const w = 2 * ow;
  const out = new Float64Array(y.data.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const src = (((b * oh + (i >> 1)) * ow + (j >> 1)) * 4 + (i & 1) * 2 + (j & 1)) * c;
        out.set(y.data.subarray(src, src + c), ((b * h + i) * w + j) * c);
      }
  return { shape: [n, h, w, c], data: out };
}

export function toArray64(shape: readonly number[], data: ArrayLike<number>): Array64 {
  if (shape.length !== 4) throw new Error(`expected an NHWC array, got shape [${shape.join(',')}]`);
  return { shape: [...shape] as Array64['shape'], data: Float64Array.from(data) };
}
