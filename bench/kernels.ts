// Times the convolution kernels training needs on CIFAR-sized shapes and mnist-small's: wasm conv2d forward, our
// Conv2DBackpropInput and Conv2DBackpropFilter (engine/backend/kernels; the filter gradient also as the
// single convolution it was before the products on a grid, and the input gradient as the convolution of
// the dilated dy it was before the phases), the BackpropInput that
// tfjs-backend-wasm ships, and on the cpu backend its conv2d, its BackpropInput and our
// BackpropFilter. Prints a Markdown table of medians, each as a ratio to the wasm conv2d forward
// measured in the same run. The cpu backend's own BackpropFilter (a plain loop, about a minute
// per call at these sizes) is timed once, on the first shape at batch 2, below the table.
// Run: node --import tsx bench/kernels.ts [--repeats N] [--cpu-repeats N] [--no-cpu]
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { builtInKernel, initBackend } from '../engine/backend';
import { conv2dBackpropFilterByConv } from '../engine/backend/kernels/conv2dBackpropFilter';
import { conv2dBackpropInputByConv } from '../engine/backend/kernels/conv2dBackpropInput';
import { SeededRandom } from '../engine/util/random';

interface Shape {
  label: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
}

const shapes: Shape[] = [
  { label: '32x32x16 → 16, 3x3 s1', x: [32, 32, 32, 16], filter: [3, 3, 16, 16], strides: 1 },
  { label: '32x32x32 → 32, 3x3 s1', x: [32, 32, 32, 32], filter: [3, 3, 32, 32], strides: 1 },
  { label: '32x32x64 → 64, 3x3 s1', x: [32, 32, 32, 64], filter: [3, 3, 64, 64], strides: 1 },
  { label: '32x32x16 → 32, 3x3 s2', x: [32, 32, 32, 16], filter: [3, 3, 16, 32], strides: 2 },
  { label: '16x16x32 → 64, 3x3 s2', x: [32, 16, 16, 32], filter: [3, 3, 32, 64], strides: 2 },
  { label: '32x32x16 → 32, 1x1 s2', x: [32, 32, 32, 16], filter: [1, 1, 16, 32], strides: 2 },
  { label: '32x32x64 → 16, 1x1 s1', x: [32, 32, 32, 64], filter: [1, 1, 64, 16], strides: 1 },
  // mnist-small's four stride-1 convolutions at batch 64 (one training thread's slice of a batch of 128)
  { label: '14x14x32 → 2, 3x3 s1, batch 64', x: [64, 14, 14, 32], filter: [3, 3, 32, 2], strides: 1 },
  { label: '7x7x64 → 8, 3x3 s1, batch 64', x: [64, 7, 7, 64], filter: [3, 3, 64, 8], strides: 1 },
  { label: '14x14x2 → 32, 3x3 s1, batch 64', x: [64, 14, 14, 2], filter: [3, 3, 2, 32], strides: 1 },
  { label: '7x7x8 → 64, 3x3 s1, batch 64', x: [64, 7, 7, 8], filter: [3, 3, 8, 64], strides: 1 },
];

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const repeats = option('--repeats', 9);
const cpuRepeats = option('--cpu-repeats', 3);
const withCpu = !process.argv.includes('--no-cpu');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median wall time of `run` (which returns what it made, disposed after the clock stops). */
function timeMs(run: () => tf.TensorInfo | tf.Tensor, times: number): number {
  const samples: number[] = [];
  for (let i = 0; i <= times; i++) {
    const start = performance.now();
    const out = run();
    const elapsed = performance.now() - start;
    if (out instanceof tf.Tensor) out.dispose();
    else tf.engine().backend.disposeData(out.dataId);
    if (i > 0) samples.push(elapsed); // the first call warms caches and is not counted
  }
  return median(samples);
}

function randomTensor(rng: SeededRandom, shape: number[]): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return tf.tensor(values, shape);
}

interface Timings {
  forward: number;
  backpropInput: number;
  backpropFilter: number;
  /** the backend's own kernel that ours replaced */
  builtIn?: number;
  /** our BackpropFilter as one convolution (what wasm used before the products on a grid) */
  filterByConv?: number;
  /** our BackpropInput as one convolution of the dilated dy (what wasm used before the phases) */
  inputDilated?: number;
}

function measure(shape: Shape, times: number, builtIn: tf.KernelConfig | undefined): Timings {
  const rng = new SeededRandom(1);
  const x = randomTensor(rng, shape.x) as tf.Tensor4D;
  const builtInFunc = builtIn?.kernelFunc;
  const filter = randomTensor(rng, shape.filter) as tf.Tensor4D;
  const y = tf.conv2d(x, filter, shape.strides, 'same');
  const dy = randomTensor(rng, y.shape);
  y.dispose();
  const common = { strides: [shape.strides, shape.strides], pad: 'same', dataFormat: 'NHWC' };
  const inputAttrs = { ...common, inputShape: shape.x } as unknown as tf.NamedAttrMap;
  const filterAttrs = { ...common, filterShape: shape.filter } as unknown as tf.NamedAttrMap;
  const timings: Timings = {
    forward: timeMs(() => tf.conv2d(x, filter, shape.strides, 'same'), times),
    backpropInput: timeMs(() => tf.engine().runKernel<tf.Tensor>('Conv2DBackpropInput', { dy, filter }, inputAttrs), times),
    backpropFilter: timeMs(() => tf.engine().runKernel<tf.Tensor>('Conv2DBackpropFilter', { x, dy }, filterAttrs), times),
  };
  if (tf.getBackend() === 'wasm') {
    const byConv = conv2dBackpropFilterByConv('wasm', 'conv');
    timings.filterByConv = timeMs(() => byConv({ inputs: { x, dy }, attrs: filterAttrs, backend: tf.engine().backend }), times);
    const dilated = conv2dBackpropInputByConv('wasm', 'dilated');
    timings.inputDilated = timeMs(() => dilated({ inputs: { dy, filter }, attrs: inputAttrs, backend: tf.engine().backend }), times);
  }
  if (builtIn !== undefined && builtInFunc !== undefined) {
    const backend = tf.engine().backend;
    // Unregistered before the backend started, so its setup (binding the wasm function) never ran.
    builtIn.setupFunc?.(backend);
    const inputs = builtIn.kernelName === 'Conv2DBackpropInput' ? { dy, filter } : { x, dy };
    const attrs = builtIn.kernelName === 'Conv2DBackpropInput' ? inputAttrs : filterAttrs;
    timings.builtIn = timeMs(() => builtInFunc({ inputs, attrs, backend }) as tf.TensorInfo, times);
  }
  tf.dispose([x, filter, dy]);
  return timings;
}

const format = (ms: number, reference: number): string => `${ms.toFixed(1)} (${(ms / reference).toFixed(2)}x)`;

async function main(): Promise<void> {
  await initBackend('cpu', { env: {} });
  await initBackend('wasm', { env: {} });
  const threads = getThreadsCount();
  const rows: string[] = [];
  let cpuBuiltInFilter = '';
  for (const [index, shape] of shapes.entries()) {
    await tf.setBackend('wasm');
    const wasm = measure(shape, repeats, builtInKernel('Conv2DBackpropInput', 'wasm'));
    const cells = [
      shape.label,
      wasm.forward.toFixed(1),
      format(wasm.backpropInput, wasm.forward),
      wasm.inputDilated === undefined ? 'n/a' : format(wasm.inputDilated, wasm.forward),
      format(wasm.backpropFilter, wasm.forward),
      wasm.filterByConv === undefined ? 'n/a' : format(wasm.filterByConv, wasm.forward),
      wasm.builtIn === undefined ? 'n/a' : format(wasm.builtIn, wasm.forward),
    ];
    if (withCpu) {
      await tf.setBackend('cpu');
      const cpu = measure(shape, cpuRepeats, undefined);
      cells.push(format(cpu.forward, wasm.forward), format(cpu.backpropInput, wasm.forward), format(cpu.backpropFilter, wasm.forward));
      if (index === 0) {
        const small: Shape = { ...shape, x: [2, shape.x[1], shape.x[2], shape.x[3]] };
        const builtIn = measure(small, 1, builtInKernel('Conv2DBackpropFilter', 'cpu'));
        const perBatch32 = (builtIn.builtIn ?? Number.NaN) * (shape.x[0] / 2);
        cpuBuiltInFilter = `cpu backend's own Conv2DBackpropFilter on ${shape.label}: ${builtIn.builtIn?.toFixed(0)} ms at batch 2 (one run), i.e. about ${perBatch32.toFixed(0)} ms at batch ${shape.x[0]} (${(perBatch32 / wasm.forward).toFixed(0)}x the wasm forward; ${(perBatch32 / cpu.backpropFilter).toFixed(0)}x ours on cpu)`;
      }
    }
    rows.push(`| ${cells.join(' | ')} |`);
    process.stderr.write(`done: ${shape.label}\n`);
  }
  const header = ['shape (same padding, batch 32 unless told)', 'wasm conv2d fwd ms', 'our BackpropInput ms (ratio)', 'BackpropInput of the dilated dy ms (ratio)', 'our BackpropFilter ms (ratio)', 'BackpropFilter as one conv ms (ratio)', 'built-in wasm BackpropInput ms (ratio)'];
  if (withCpu) header.push('cpu conv2d fwd', 'cpu BackpropInput (built-in)', 'cpu BackpropFilter (ours)');
  console.log(`wasm backend, ${threads} XNNPACK thread(s), Node ${process.version}; medians of ${repeats} runs (wasm) and ${cpuRepeats} (cpu) after one warm-up; ratios to the wasm conv2d forward of the same row`);
  console.log('');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(row);
  if (cpuBuiltInFilter !== '') console.log(`\n${cpuBuiltInFilter}`);
}

void main();
