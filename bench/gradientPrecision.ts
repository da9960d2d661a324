// Where do our float32 gradients lose precision? One standard step of the bench's stack, judged
// against PyTorch in float64 (bench/torch_peer.py) as bench/agreement.ts does, once with the registered
// kernels and once with each convolution gradient replaced by a float64 plain loop (rounded to
// float32 once, at the end). Also the filter-gradient kernel's own error on the very inputs the network
// hands it, against the float64 loop. A kernel whose float64 stand-in removes most of the error is the cause.
// Run: node --import tsx bench/gradientPrecision.ts [--depth 8] [--python /usr/bin/python3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { computeGradients, disposeStep } from '../engine/backprop';
import { readSafetensors } from '../engine/io/safetensors';
import { filterGradientFloat64, inputGradientFloat64, type ConvLayout } from '../test/unit/engine/backend/convGradientsFloat64';
import { SeededRandom } from '../engine/util/random';
import { relativeError } from './agreement';
import { TorchPeer } from './peer';
import { buildStack, disposeStack, exportStack } from './stack';
import { option } from './args';

interface WasmOutput {
  makeOutput(shape: number[], dtype: 'float32', memoryOffset: undefined, values: Float32Array): tf.TensorInfo;
}

interface KernelArgs { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }

function layoutOf(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): ConvLayout {
  const { strides, pad, dimRoundingMode } = attrs as unknown as { strides: [number, number] | number; pad: 'same' | 'valid'; dimRoundingMode?: 'floor' };
  const x = xShape as [number, number, number, number];
  const filter = filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad, dimRoundingMode);
  return { x, filter, out: [info.outHeight, info.outWidth], strides: [info.strideHeight, info.strideWidth], padTop: info.padInfo.top, padLeft: info.padInfo.left };
}

const read = (backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array => backend.readSync(info.dataId) as Float32Array;

/** the kernel's own errors against the float64 loop, on the inputs it was given */
const kernelErrors: number[] = [];

function float64Filter(today: tf.KernelFunc, measureToday: boolean) {
  return ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { filterShape } = attrs as { filterShape: number[] };
    const exact = filterGradientFloat64(read(backend, x), read(backend, dy), layoutOf(x.shape, filterShape, attrs));
    if (measureToday) {
      const ours = today({ inputs, backend, attrs }) as tf.TensorInfo;
      kernelErrors.push(relativeError(read(backend, ours), exact));
      return ours;
    }
    return (backend as unknown as WasmOutput).makeOutput(filterShape, 'float32', undefined, Float32Array.from(exact));
  };
}

function float64Input() {
  return ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { inputShape } = attrs as { inputShape: number[] };
    const exact = inputGradientFloat64(read(backend, dy), read(backend, filter), layoutOf(inputShape, filter.shape, attrs));
    return (backend as unknown as WasmOutput).makeOutput(inputShape, 'float32', undefined, Float32Array.from(exact));
  };
}

/** a plain float64 BatchMatMul (batch dimensions equal or one of them 1): channelSum's sums and the head */
function float64MatMul() {
  return ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const [ra, rb] = [a.shape.length, b.shape.length];
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const batch = Math.max(batchA, batchB);
    const [av, bv] = [read(backend, a), read(backend, b)];
    const out = new Float32Array(batch * m * n);
    for (let z = 0; z < batch; z++) {
      const ao = (batchA === 1 ? 0 : z) * m * k;
      const bo = (batchB === 1 ? 0 : z) * k * n;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let t = 0; t < k; t++) sum += av[ao + (transposeA ? t * m + i : i * k + t)] * bv[bo + (transposeB ? j * k + t : t * n + j)];
          out[(z * m + i) * n + j] = sum;
        }
    }
    const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
    return (backend as unknown as WasmOutput).makeOutput([...outer, m, n], 'float32', undefined, out);
  };
}

function swap(kernelName: string, kernelFunc: tf.KernelFunc): () => void {
  const before = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig | undefined;
  if (before === undefined) throw new Error(`${kernelName} is not registered for wasm`);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  return () => {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(before);
  };
}

interface Row {
  name: string;
  ours: number;
  torch: number;
}

/** one line of the table: the gradient furthest above PyTorch float32's own error (bench/agreement.ts's ranking) */
function summary(label: string, rows: Row[]): string {
  const ratio = (r: Row): number => r.ours / Math.max(r.torch, 1e-6);
  const worst = rows.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  const largest = rows.reduce((a, b) => (b.ours > a.ours ? b : a));
  const largestTorch = rows.reduce((a, b) => (b.torch > a.torch ? b : a));
  const ratios = rows.map(ratio).sort((a, b) => a - b);
  return `| ${label} | ${worst.name}: ${worst.ours.toExponential(2)} vs ${worst.torch.toExponential(2)} | ${ratios[ratios.length >> 1].toFixed(2)} | ${largest.ours.toExponential(2)} (${largest.name}) | ${largestTorch.torch.toExponential(2)} (${largestTorch.name}) |`;
}

/** the images times (1 + 2^-22·noise), rounded to float32: a change at the level of float32 rounding */
function perturbed(images: Float32Array, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  return images.map((v) => v * (1 + 2 ** -22 * random.normal()));
}

async function main(): Promise<void> {
  const depth = Number(option('--depth', '8'));
  const perturbations = Number(option('--perturbations', '3'));
  const python = option('--python', process.env['REVNET_BENCH_PYTHON'] ?? '/usr/bin/python3');
  await initBackend('wasm', { env: {} });
  const scratch = mkdtempSync(join(tmpdir(), 'revnet-precision-'));
  const started = await TorchPeer.start(python, 1);
  if ('reason' in started) throw new Error(`no PyTorch peer: ${started.reason}`);
  const stack = buildStack(depth);
  const weights = join(scratch, 'weights.safetensors');
  const batch = join(scratch, 'batch.safetensors');
  const peerOut = join(scratch, 'peer.safetensors');
  try {
    exportStack(stack, weights, batch);
    const original = stack.hostImages;

    /** the peer's float32 and float64 gradients for the stack's current images */
    const peerGradients = async (): Promise<(name: string) => Float32Array> => {
      exportStack(stack, weights, batch);
      await started.peer.request({ cmd: 'load', weights, batch, depth });
      await started.peer.request({ cmd: 'check', weights, out: peerOut });
      const tensors = readSafetensors(peerOut).tensors;
      return (name) => {
        const t = tensors.get(name);
        if (t === undefined) throw new Error(`the peer wrote no ${name}`);
        return t.data as Float32Array;
      };
    };
    const compare = (get: (name: string) => Float32Array): Row[] => {
      const step = computeGradients(stack.net, stack.images, stack.labels, 'standard');
      const rows: Row[] = [];
      for (const [name, grad] of step.grads) {
        const reference = get(`f64.grad.${name}`);
        rows.push({ name, ours: relativeError(grad.dataSync(), reference), torch: relativeError(get(`grad.${name}`), reference) });
      }
      disposeStep(step);
      return rows;
    };

    console.log(`${depth} blocks, standard step; error = max |g - g64| / max |g64| per gradient tensor (bench/agreement.ts's measure), g64 from PyTorch float64\n`);
    console.log('| run | furthest above PyTorch float32: ours vs torch | median ours / torch | largest, ours | largest, PyTorch float32 |\n|---|---|---:|---|---|');
    const get = await peerGradients();
    const todayFilter = (tf.getKernel('Conv2DBackpropFilter', 'wasm')).kernelFunc;
    let restore = swap('Conv2DBackpropFilter', float64Filter(todayFilter, true) as tf.KernelFunc);
    console.log(summary('our kernels as registered', compare(get)));
    restore();
    restore = swap('Conv2DBackpropFilter', float64Filter(todayFilter, false) as tf.KernelFunc);
    console.log(summary('Conv2DBackpropFilter in float64', compare(get)));
    const restoreInput = swap('Conv2DBackpropInput', float64Input() as tf.KernelFunc);
    console.log(summary('both convolution gradients in float64', compare(get)));
    restoreInput();
    restore();
    restore = swap('BatchMatMul', float64MatMul() as tf.KernelFunc);
    console.log(summary('BatchMatMul (BatchNorm sums, head) in float64', compare(get)));
    restore();
    for (let seed = 1; seed <= perturbations; seed++) {
      stack.hostImages = perturbed(original, seed);
      stack.images.dispose();
      stack.images = tf.tensor4d(stack.hostImages, stack.images.shape);
      console.log(summary(`images x (1 + 2^-22 noise), seed ${seed}`, compare(await peerGradients())));
    }
    kernelErrors.sort((a, b) => a - b);
    console.log(`\nConv2DBackpropFilter alone against float64 on the network's own inputs (${kernelErrors.length} calls): median ${kernelErrors[kernelErrors.length >> 1].toExponential(2)}, max ${kernelErrors[kernelErrors.length - 1].toExponential(2)}`);
  } finally {
    disposeStack(stack);
    await started.peer.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`gradientPrecision: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
