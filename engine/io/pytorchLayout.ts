// Converts a PyTorch-style state_dict (as read from safetensors) to this project's names and layouts:
//   BatchNorm weight/bias/running_mean/running_var -> gamma/beta/mean/variance (num_batches_tracked dropped)
//   conv weight OIHW [out, in, kh, kw]            -> HWIO [kh, kw, in, out]
//   linear weight [out, in]                       -> [in, out]
// and, for a "flatten" head, reorders the first dense layer's inputs from PyTorch's NCHW flatten
// order (c, h, w) to ours (h, w, c). Name prefixes (stage1.unit0.f.conv1, head.fc, ...) stay as they are.
import type { Tensor } from './safetensors';

export interface FeatureShape {
  height: number;
  width: number;
  channels: number;
}

export interface PyTorchImportOptions {
  /**
   * the trunk's final feature shape, needed when the head flattens (pool: "flatten"); a first dense
   * layer with exactly `channels` inputs is taken as fed by global average pooling and left in order
   */
  flattenFeatureShape?: FeatureShape;
  /** the head has a hidden layer (then it, not head.fc, receives the flattened features); default: detected */
  hasHidden?: boolean;
}

export interface ConvertedTensor {
  shape: number[];
  data: Float32Array;
}

export interface PyTorchImportResult {
  tensors: Map<string, ConvertedTensor>;
  /** names from the file that were dropped on purpose (num_batches_tracked) */
  ignored: string[];
  /** one line per tensor that could not be converted; empty when all went well */
  problems: string[];
}

const BN_SUFFIXES: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'mean', running_var: 'variance' };

export function convertPyTorchStateDict(source: Map<string, Tensor>, options: PyTorchImportOptions = {}): PyTorchImportResult {
  const tensors = new Map<string, ConvertedTensor>();
  const ignored: string[] = [];
  const problems: string[] = [];
  const batchNormPrefixes = new Set<string>();
  for (const name of source.keys()) {
    const { prefix, last } = splitName(name);
    if (last === 'running_mean' || last === 'running_var' || last === 'num_batches_tracked') batchNormPrefixes.add(prefix);
  }
  const hasHidden = options.hasHidden ?? source.has('head.hidden.weight');
  const flattenTarget = hasHidden ? 'head.hidden' : 'head.fc';

  for (const [name, tensor] of source) {
    const { prefix, last } = splitName(name);
    if (last === 'num_batches_tracked') {
      ignored.push(name);
      continue;
    }
    const data = toFloat32(tensor);
    if (data === undefined) {
      problems.push(`${name}: dtype ${tensor.dtype} is not a floating-point type`);
      continue;
    }
    const isBatchNorm = batchNormPrefixes.has(prefix) || /(^|\.)bn\d*$/.test(prefix);
    if (isBatchNorm) {
      const ours = BN_SUFFIXES[last] as string | undefined;
      if (ours === undefined || tensor.shape.length !== 1) {
        problems.push(`${name}: not a BatchNorm weight/bias/running_mean/running_var vector (shape [${tensor.shape.join(', ')}])`);
        continue;
      }
      tensors.set(`${prefix}.${ours}`, { shape: [...tensor.shape], data });
      continue;
    }
    if (last === 'weight' && tensor.shape.length === 4) {
      tensors.set(name, oihwToHwio(tensor.shape, data));
      continue;
    }
    if (last === 'weight' && tensor.shape.length === 2) {
      let dense = transposeMatrix(tensor.shape, data);
      const feature = options.flattenFeatureShape;
      // a layer fed by global average pooling has `channels` inputs and needs no reordering
      const pooled = dense.shape[0] === feature?.channels && feature.height * feature.width !== 1;
      if (prefix === flattenTarget && feature !== undefined && !pooled) {
        const permuted = permuteFlattenRows(dense, feature);
        if (typeof permuted === 'string') {
          problems.push(`${name}: ${permuted}`);
          continue;
        }
        dense = permuted;
      }
      tensors.set(name, dense);
      continue;
    }
    if (last === 'bias' && tensor.shape.length === 1) {
      tensors.set(name, { shape: [...tensor.shape], data });
      continue;
    }
    problems.push(`${name}: shape [${tensor.shape.join(', ')}] is not a conv (4-d), linear (2-d) or bias (1-d) tensor`);
  }
  return { tensors, ignored, problems };
}

function splitName(name: string): { prefix: string; last: string } {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? { prefix: '', last: name } : { prefix: name.slice(0, dot), last: name.slice(dot + 1) };
}

function toFloat32(tensor: Tensor): Float32Array | undefined {
  if (tensor.data instanceof Float32Array) return tensor.data;
  if (tensor.data instanceof Float64Array) return Float32Array.from(tensor.data);
  return undefined;
}

/** [O, I, H, W] -> [H, W, I, O] */
export function oihwToHwio(shape: readonly number[], data: Float32Array): ConvertedTensor {
  const [o, i, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let oo = 0; oo < o; oo++) {
    for (let ii = 0; ii < i; ii++) {
      for (let hh = 0; hh < h; hh++) {
        for (let ww = 0; ww < w; ww++) {
          out[((hh * w + ww) * i + ii) * o + oo] = data[((oo * i + ii) * h + hh) * w + ww];
        }
      }
    }
  }
  return { shape: [h, w, i, o], data: out };
}

/** [rows, cols] -> [cols, rows] */
export function transposeMatrix(shape: readonly number[], data: Float32Array): ConvertedTensor {
  const [rows, cols] = shape as [number, number];
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return { shape: [cols, rows], data: out };
}

/**
 * A dense kernel [in, out] whose rows follow PyTorch's flatten of NCHW features (row c*H*W + h*W + w)
 * reordered so that row (h*W + w)*C + c holds the same weights (our NHWC flatten).
 */
export function permuteFlattenRows(dense: ConvertedTensor, feature: FeatureShape): ConvertedTensor | string {
  const { height: H, width: W, channels: C } = feature;
  const [rows, cols] = dense.shape as [number, number];
  if (rows !== H * W * C) return `has ${rows} inputs but the flattened features ${H}x${W}x${C} give ${H * W * C}`;
  const out = new Float32Array(dense.data.length);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      for (let c = 0; c < C; c++) {
        const ours = (h * W + w) * C + c;
        const theirs = c * H * W + h * W + w;
        out.set(dense.data.subarray(theirs * cols, (theirs + 1) * cols), ours * cols);
      }
    }
  }
  return { shape: [rows, cols], data: out };
}
