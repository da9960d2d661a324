// The convolution-gradient kernels (engine/backend/kernels) against the cpu backend's built-in
// ones, and the gradients of a small conv net, every op a RevNet needs, on wasm against cpu.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { builtInKernel, initBackend, trainingKernels } from '../../../../engine/backend';
import { conv2dBackpropFilterByConv, type FilterGradientMethod } from '../../../../engine/backend/kernels/conv2dBackpropFilter';
import { convGeometry } from '../../../../engine/backend/kernels/convGeometry';
import { imageGroups, imageGroupsInput, suitsImageGroups } from '../../../../engine/backend/kernels/filterGradientByImageGroups';
import { CHUNK_POSITIONS, gridPlan, planeCells } from '../../../../engine/backend/kernels/filterGradientOnGrid';
import { SeededRandom } from '../../../../engine/util/random';
import { filterGradientFloat64 } from './convGradientsFloat64';

type Pad = 'valid' | 'same' | tf.backend_util.ExplicitPadding;
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

/**
 * Stride 1 on wasm: the filter gradient on a grid of cells (filterGradientOnGrid.ts). Between them: x or dy spread
 * on the left, with and without the right side spread over the filter's columns (mnist-small's four shapes, at a
 * small batch), planes given empty cells against cache aliasing (7x7 at batch 16), cells sharing zero rows or not,
 * several chunks with a short last one and images cut by a chunk's end, unequal paddings, filters 2x5, 3x1, 5x5 and
 * a padded 1x1.
 */
const gridCases: Case[] = [
  { x: [3, 14, 14, 32], filter: [3, 3, 32, 2], strides: [1, 1], pad: 'same' },
  { x: [3, 7, 7, 64], filter: [3, 3, 64, 8], strides: [1, 1], pad: 'same' },
  { x: [3, 14, 14, 2], filter: [3, 3, 2, 32], strides: [1, 1], pad: 'same' },
  { x: [3, 7, 7, 8], filter: [3, 3, 8, 64], strides: [1, 1], pad: 'same' },
  { x: [16, 7, 7, 64], filter: [3, 3, 64, 8], strides: [1, 1], pad: 'same' },
  { x: [16, 7, 7, 8], filter: [3, 3, 8, 64], strides: [1, 1], pad: 'same' },
  { x: [11, 13, 17, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [40, 10, 9, 3], filter: [3, 3, 3, 3], strides: [1, 1], pad: 'same' },
  { x: [2, 6, 5, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: [[0, 0], [3, 3], [4, 4], [0, 0]] },
  { x: [5, 9, 12, 4], filter: [2, 5, 4, 1], strides: [1, 1], pad: 'valid' },
  { x: [4, 8, 6, 2], filter: [3, 1, 2, 6], strides: [1, 1], pad: 'same' },
  { x: [3, 6, 7, 2], filter: [3, 3, 2, 3], strides: [1, 1], pad: [[0, 0], [2, 1], [1, 2], [0, 0]] },
  { x: [4, 9, 8, 3], filter: [5, 5, 3, 2], strides: [1, 1], pad: 'same' },
  { x: [3, 5, 4, 6], filter: [1, 1, 6, 4], strides: [1, 1], pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
  // small, 4 input channels, but a padding wider than the filter: the grid, not the mirrored groups
  { x: [2, 2, 2, 4], filter: [3, 3, 4, 20], strides: [1, 1], pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
];

/**
 * Stride 1 on wasm, small images and 4-16 output (or else input) channels: convolutions over groups of images
 * (filterGradientByImageGroups.ts), x or (mirrored) dy as their input; mnist-small's 7x7x64 → 8 and 7x7x8 → 64,
 * several groups of uneven sizes, 'valid' and unequal paddings.
 */
const groupCases: Case[] = [
  { x: [3, 7, 7, 8], filter: [3, 3, 8, 64], strides: [1, 1], pad: 'same' },
  { x: [50, 7, 7, 6], filter: [3, 3, 6, 24], strides: [1, 1], pad: 'same' },
  { x: [80, 8, 7, 5], filter: [3, 3, 5, 20], strides: [1, 1], pad: 'valid' },
  { x: [20, 7, 6, 4], filter: [3, 3, 4, 32], strides: [1, 1], pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [3, 7, 7, 64], filter: [3, 3, 64, 8], strides: [1, 1], pad: 'same' },
  { x: [50, 7, 7, 12], filter: [3, 3, 12, 6], strides: [1, 1], pad: 'same' },
  { x: [83, 8, 8, 5], filter: [3, 3, 5, 4], strides: [1, 1], pad: 'same' },
  { x: [150, 8, 7, 3], filter: [3, 3, 3, 16], strides: [1, 1], pad: 'valid' },
  { x: [20, 7, 6, 4], filter: [3, 3, 4, 8], strides: [1, 1], pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
];

const cases: Case[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 4], filter: [3, 3, 4, 6], strides: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 6], filter: [3, 3, 6, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 7, 5], filter: [3, 3, 5, 3], strides: [2, 2], pad: 'valid' },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'valid' },
  { x: [3, 8, 6, 5], filter: [3, 3, 5, 7], strides: [2, 1], pad: 'same' },
  { x: [4, 8, 8, 8], filter: [1, 1, 8, 16], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 9, 6], filter: [1, 1, 6, 4], strides: [2, 2], pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 7, 8, 3], filter: [1, 1, 3, 4], strides: [2, 2], pad: [[0, 0], [0, 1], [0, 0], [0, 0]] },
  { x: [3, 6, 5, 12], filter: [1, 1, 12, 5], strides: [2, 1], pad: 'valid' },
  { x: [4, 8, 8, 12], filter: [1, 1, 12, 5], strides: [1, 1], pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: [2, 2], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [1, 6, 5, 2], filter: [3, 3, 2, 3], strides: [1, 1], pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
  { x: [5, 16, 16, 16], filter: [3, 3, 16, 16], strides: [1, 1], pad: 'same' },
  { x: [4, 16, 16, 16], filter: [3, 3, 16, 32], strides: [2, 2], pad: 'same' },
  // stride 1 on wasm: the filter gradient in chunks of rows; rows 1,102 wide make one row a chunk
  { x: [1, 3, 1100, 1], filter: [3, 3, 1, 2], strides: [1, 1], pad: 'same' },
  { x: [2, 7, 9, 3], filter: [2, 5, 3, 2], strides: [1, 1], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  // several small images to a chunk (mnist-small's 14x14 planes: 9 to a chunk, the last chunk short), and
  // 73 unpadded 4x5 outputs to a chunk over 160 images
  { x: [50, 14, 14, 2], filter: [3, 3, 2, 4], strides: [1, 1], pad: 'same' },
  { x: [160, 6, 7, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'valid' },
  // equal strides on wasm: the input gradient by phases; stride 3 over a 2x2 filter leaves a phase without taps,
  // and padding below that makes dy taller than the phases cuts rows
  { x: [2, 10, 11, 3], filter: [2, 2, 3, 4], strides: [3, 3], pad: 'same' },
  { x: [2, 13, 12, 2], filter: [5, 5, 2, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: [2, 2], pad: [[0, 0], [0, 4], [1, 3], [0, 0]] },
  // (the two at batch 16 are left to the float64 test below: the cpu built-in loop takes seconds on them)
  ...gridCases.filter((c) => c.x[0] < 16),
  ...groupCases,
];

const describe = (c: Case): string => `x ${c.x.join('x')}, filter ${c.filter.join('x')}, strides ${c.strides.join(',')}, pad ${JSON.stringify(c.pad)}`;

function randomValues(rng: SeededRandom, size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal();
  return values;
}

function outputShape(c: Case): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, false, 'channelsLast');
  return info.outShape;
}

type Arrays = Record<string, { values: Float32Array; shape: number[] }>;

/**
 * Runs one kernel on one backend from plain arrays and returns its output as a plain array;
 * `reference` runs the cpu backend's built-in kernel even where ours replaced it.
 */
async function runOn(backend: string, kernel: string, inputs: Arrays, attrs: tf.NamedAttrMap, reference = false): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const tensors: tf.NamedTensorMap = {};
  for (const [name, input] of Object.entries(inputs)) tensors[name] = tf.tensor(input.values, input.shape);
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = tf.engine().backend.numDataIds();
  const builtIn = reference ? (builtInKernel(kernel, backend) ?? tf.getKernel(kernel, backend)) : undefined;
  let result: { values: Float32Array; shape: number[] };
  if (builtIn !== undefined) {
    const info = builtIn.kernelFunc({ inputs: tensors, attrs, backend: tf.engine().backend }) as tf.TensorInfo;
    result = { values: tf.engine().backend.readSync(info.dataId) as Float32Array, shape: info.shape };
    tf.engine().backend.disposeData(info.dataId);
  } else {
    const out = tf.engine().runKernel<tf.Tensor>(kernel, tensors, attrs);
    result = { values: (await out.data()) as Float32Array, shape: out.shape };
    out.dispose();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, `${kernel} on ${backend} leaked tensors`);
  assert.equal(tf.engine().backend.numDataIds(), dataIdsBefore, `${kernel} on ${backend} leaked backend buffers`);
  tf.dispose(Object.values(tensors));
  return result;
}

const float32Epsilon = 2 ** -23;

/**
 * Both backends sum the same n products in different orders. Each order is within
 * (n-1)·eps·S of the exact sum, S being the sum of the products' magnitudes (which is the same
 * kernel run on |inputs|), so the two agree within 2·n·eps·S per element. A wrong index, flip or
 * padding gives errors of the order of S itself, far above this.
 */
async function assertMatchesCpu(backend: string, kernel: string, inputs: Arrays, attrs: tf.NamedAttrMap, terms: number, label: string): Promise<void> {
  const ours = await runOn(backend, kernel, inputs, attrs);
  const cpu = await runOn('cpu', kernel, inputs, attrs, true);
  const magnitudes: Arrays = {};
  for (const [name, input] of Object.entries(inputs)) magnitudes[name] = { values: input.values.map(Math.abs), shape: input.shape };
  const bound = await runOn('cpu', kernel, magnitudes, attrs, true);
  assert.deepEqual(ours.shape, cpu.shape, `${label}: shape`);
  let worst = 0;
  for (let i = 0; i < cpu.values.length; i++) {
    const allowed = 2 * terms * float32Epsilon * bound.values[i] + 1e-30;
    worst = Math.max(worst, Math.abs(ours.values[i] - cpu.values[i]) / allowed);
  }
  assert.ok(worst <= 1, `${backend} ${label}: error ${worst.toFixed(3)} times the float32 bound`);
}

before(async () => {
  await initBackend('cpu', { env: {} });
  await initBackend('wasm', { env: {} });
});

test('our kernels are the ones registered, and the cpu built-in is kept as the reference', () => {
  for (const config of trainingKernels) assert.equal(tf.getKernel(config.kernelName, config.backendName), config);
  const reference = builtInKernel('Conv2DBackpropFilter', 'cpu');
  assert.ok(reference !== undefined && !trainingKernels.includes(reference));
});

test('Conv2DBackpropInput on wasm equals the cpu built-in (shapes, strides, paddings, 1x1 and 3x3)', async () => {
  const rng = new SeededRandom(11);
  for (const c of cases) {
    const dyShape = outputShape(c);
    const inputs = {
      dy: { values: randomValues(rng, dyShape.reduce((a, b) => a * b)), shape: dyShape },
      filter: { values: randomValues(rng, c.filter.reduce((a, b) => a * b)), shape: c.filter },
    };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;
    const terms = c.filter[0] * c.filter[1] * c.filter[3];
    await assertMatchesCpu('wasm', 'Conv2DBackpropInput', inputs, attrs, terms, describe(c));
  }
});

test('Conv2DBackpropFilter on wasm and on cpu equals the cpu built-in (shapes, strides, paddings, 1x1 and 3x3)', async () => {
  const rng = new SeededRandom(12);
  for (const c of cases) {
    const dyShape = outputShape(c);
    const inputs = {
      x: { values: randomValues(rng, c.x.reduce((a, b) => a * b)), shape: c.x },
      dy: { values: randomValues(rng, dyShape.reduce((a, b) => a * b)), shape: dyShape },
    };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap;
    const terms = dyShape[0] * dyShape[1] * dyShape[2];
    await assertMatchesCpu('wasm', 'Conv2DBackpropFilter', inputs, attrs, terms, describe(c));
    await assertMatchesCpu('cpu', 'Conv2DBackpropFilter', inputs, attrs, terms, describe(c));
  }
});

/** The largest error of one filter-gradient composition against the float64 loop, each relative to its entry. */
async function filterGradientErrorOnPositiveInputs(method: FilterGradientMethod, inChannels = 4, outChannels = 4, images: [number, number, number] = [32, 32, 32]): Promise<number> {
  await tf.setBackend('wasm');
  const shape: [number, number, number, number] = [...images, inChannels];
  const dyShape: [number, number, number, number] = [...images, outChannels];
  const filter: [number, number, number, number] = [3, 3, inChannels, outChannels];
  const rng = new SeededRandom(21);
  const positive = (size: number) => Float32Array.from({ length: size }, () => Math.abs(rng.normal()));
  const [xValues, dyValues] = [positive(shape.reduce((a, b) => a * b)), positive(dyShape.reduce((a, b) => a * b))];
  const exact = filterGradientFloat64(xValues, dyValues, { x: shape, filter, out: [images[1], images[2]], strides: [1, 1], padTop: 1, padLeft: 1 });
  const x = tf.tensor4d(xValues, shape);
  const dy = tf.tensor4d(dyValues, dyShape);
  const backend = tf.engine().backend;
  const buffersBefore = backend.numDataIds();
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: filter } as unknown as tf.NamedAttrMap;
  const out = conv2dBackpropFilterByConv('wasm', method)({ inputs: { x, dy }, backend, attrs });
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  assert.equal(backend.numDataIds(), buffersBefore, `the ${method} filter gradient leaked backend buffers`);
  tf.dispose([x, dy]);
  let worst = 0;
  for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(values[i] - exact[i]) / exact[i]);
  return worst;
}

function geometry(c: Case) {
  return convGeometry(c.x, c.filter, c.strides, c.pad, undefined, 'NHWC');
}

test('the grid cases cover every layout choice of the stride-1 filter gradient', () => {
  const plans = gridCases.map((c) => ({ g: geometry(c), plan: gridPlan(geometry(c)) }));
  for (const left of ['x', 'dy'] as const) {
    for (const spreadRight of [false, true]) assert.ok(plans.some(({ plan }) => plan.left === left && plan.spreadRight === spreadRight), `${left} on the left, spreadRight ${String(spreadRight)}`);
  }
  const paddedHeight = ({ g }: (typeof plans)[number]) => g.outHeight + g.filterHeight - 1;
  assert.ok(plans.some((p) => p.plan.cellHeight < paddedHeight(p)), 'cells sharing zero rows');
  assert.ok(plans.some((p) => p.plan.cellHeight === paddedHeight(p) && p.g.filterHeight > 1), 'cells sharing nothing');
  assert.ok(plans.some((p) => p.plan.cellHeight === p.g.outHeight && p.plan.cellHeight < paddedHeight(p)), 'cells as tall as dy');
  const positions = ({ g, plan }: (typeof plans)[number]) => g.batch * plan.cellHeight * plan.cellWidth;
  assert.ok(plans.some((p) => positions(p) > CHUNK_POSITIONS && positions(p) % CHUNK_POSITIONS !== 0), 'several chunks, a short last one');
  assert.ok(plans.some(({ g, plan }) => {
    const leftChannels = plan.left === 'x' ? g.inChannels : g.outChannels;
    return planeCells(g.batch, plan.cellHeight * plan.cellWidth, leftChannels) > g.batch;
  }), 'planes given empty cells');
});

test('the group cases take the image groups by default, x and dy as the input, three groups or more in one of them', () => {
  for (const c of groupCases) assert.ok(suitsImageGroups(geometry(c)), describe(c));
  for (const input of ['x', 'dy'] as const) assert.ok(groupCases.filter((c) => imageGroupsInput(geometry(c)) === input).length >= 2, input);
  assert.ok(!suitsImageGroups(geometry(gridCases[gridCases.length - 1])), 'a padding wider than the filter');
  assert.ok(groupCases.some((c) => imageGroups(c.x[0], Math.floor(CHUNK_POSITIONS / (outputShape(c)[1] * outputShape(c)[2]))).length > 2));
  assert.deepEqual(imageGroups(83, 32), [{ first: 0, count: 27 }, { first: 27, count: 28 }, { first: 55, count: 28 }]);
});

const stride1Methods: { method: FilterGradientMethod; cases: Case[] }[] = [
  { method: 'grid', cases: [...gridCases, ...groupCases] },
  { method: 'groups', cases: [...groupCases, ...gridCases.filter((c) => suitsImageGroups(geometry(c)))] },
  { method: 'auto', cases: [...gridCases, ...groupCases] },
];

test('Conv2DBackpropFilter on wasm, stride 1 (grid, image groups, and the choice between them) equals the float64 loop and leaks nothing', async () => {
  await tf.setBackend('wasm');
  const rng = new SeededRandom(14);
  for (const { method, cases: methodCases } of stride1Methods) for (const c of methodCases) {
    const g = geometry(c);
    const dyShape = outputShape(c);
    const [xValues, dyValues] = [randomValues(rng, c.x.reduce((a, b) => a * b)), randomValues(rng, dyShape.reduce((a, b) => a * b))];
    const layout = { x: c.x, filter: c.filter, out: [g.outHeight, g.outWidth] as [number, number], strides: c.strides, padTop: g.padTop, padLeft: g.padLeft };
    const exact = filterGradientFloat64(xValues, dyValues, layout);
    const magnitudes = filterGradientFloat64(xValues.map(Math.abs), dyValues.map(Math.abs), layout);
    const x = tf.tensor4d(xValues, c.x);
    const dy = tf.tensor4d(dyValues, dyShape);
    const backend = tf.engine().backend;
    const buffersBefore = backend.numDataIds();
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap;
    const out = conv2dBackpropFilterByConv('wasm', method)({ inputs: { x, dy }, backend, attrs });
    const values = backend.readSync(out.dataId) as Float32Array;
    backend.disposeData(out.dataId);
    assert.equal(backend.numDataIds(), buffersBefore, `${method}, ${describe(c)}: leaked backend buffers`);
    tf.dispose([x, dy]);
    assert.deepEqual(out.shape, c.filter);
    // Each entry is a float32 sum of at most CHUNK_POSITIONS products, then chunk sums added pairwise: within
    // (CHUNK_POSITIONS + log2(chunks) + 1)·eps·Σ|products| of the exact sum. A wrong tap, shift or padding is off
    // by a sizeable part of Σ|products| itself.
    const positions = g.batch * g.outHeight * g.outWidth;
    const terms = Math.min(positions, CHUNK_POSITIONS) + Math.ceil(Math.log2(Math.max(1, positions / CHUNK_POSITIONS))) + 2;
    let worst = 0;
    for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(values[i] - exact[i]) / (terms * float32Epsilon * magnitudes[i] + 1e-30));
    assert.ok(worst <= 1, `${method}, ${describe(c)}: error ${worst.toFixed(3)} times the float32 bound`);
  }
});

test('Conv2DBackpropFilter on wasm sums in short runs: over 32,768 positive terms it stays within the error of a 2,048-term sum', async () => {
  // A float32 sum of m positive terms, added one by one, is off by about 0.25·eps·√m of the sum (rounding
  // errors of ±ulp/2 in random directions); the largest of 144 to 288 such sums by about 2.5 times that. The
  // kernel adds at most 2,048 grid positions in one accumulator (then chunk results pairwise), so eps·√2048
  // bounds it with room; one running sum over all 32 x 32 x 32 positions lands above that bound. Each of the
  // grid's layouts: x or dy spread on the left, the right side spread over the filter's columns or not.
  const bound = float32Epsilon * Math.sqrt(2048);
  for (const [inChannels, outChannels] of [[4, 4], [16, 2], [2, 16], [4, 8]]) {
    const chunked = await filterGradientErrorOnPositiveInputs('grid', inChannels, outChannels);
    assert.ok(chunked <= bound, `${inChannels} → ${outChannels} channels: relative error ${chunked.toExponential(2)} above ${bound.toExponential(2)}`);
  }
  // the image groups: 7x7 images, 41 to a group (2,009 positions), 17 groups over 32,928 positions
  for (const [inChannels, outChannels] of [[16, 8], [8, 32]]) {
    const grouped = await filterGradientErrorOnPositiveInputs('groups', inChannels, outChannels, [672, 7, 7]);
    assert.ok(grouped <= bound, `image groups, ${inChannels} → ${outChannels}: relative error ${grouped.toExponential(2)} above ${bound.toExponential(2)}`);
  }
  const oneSum = await filterGradientErrorOnPositiveInputs('conv');
  assert.ok(oneSum > bound, `the bound should reject one 32,768-term sum (the convolution composition): ${oneSum.toExponential(2)} <= ${bound.toExponential(2)}`);
});

test('Conv2DBackpropFilter on wasm over an empty batch equals the float64 loop (zeros) and leaks nothing', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([0, 5, 5, 2]);
  const dy = tf.zeros([0, 5, 5, 3]);
  const buffersBefore = tf.engine().backend.numDataIds();
  const out = tf.engine().runKernel<tf.Tensor>('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] });
  const expected = filterGradientFloat64([], [], { x: [0, 5, 5, 2], filter: [3, 3, 2, 3], out: [5, 5], strides: [1, 1], padTop: 1, padLeft: 1 });
  assert.deepEqual(out.shape, [3, 3, 2, 3]);
  assert.deepEqual(Array.from(await out.data()), Array.from(expected));
  out.dispose();
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
  tf.dispose([x, dy]);
});

/**
 * A small net touching every op a RevNet's training uses: conv 3x3 (stride 1 and 2), batch norm
 * from ops, relu, channel split and concat, the squeeze reshape/transpose, avg pool, zero channel
 * padding, 1x1 strided conv, matMul and a log-softmax cross-entropy.
 */
function smallNet(x: tf.Tensor4D, labels: tf.Tensor2D, params: tf.Tensor[]): tf.Scalar {
  const [w1, gamma, beta, w2, w3, w4, fc] = params as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
  let h: tf.Tensor4D = tf.conv2d(x, w1, 1, 'same');
  const mean = tf.mean(h, [0, 1, 2]);
  const centered = tf.sub(h, mean);
  const variance = tf.mean(tf.square(centered), [0, 1, 2]);
  h = tf.relu(tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta)) as tf.Tensor4D;
  const [x1, x2] = tf.split(h, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
  h = tf.concat([tf.add(x1, tf.conv2d(x2, w2, 1, 'same')), x2], 3) as tf.Tensor4D;
  const [n, height, width, channels] = h.shape;
  h = tf.reshape<tf.Rank.R4>(tf.transpose(tf.reshape(h, [n, height / 2, 2, width / 2, 2, channels]), [0, 1, 3, 2, 4, 5]), [n, height / 2, width / 2, 4 * channels]);
  const strided = tf.conv2d(h, w3, 2, 'same');
  const shortcut = tf.pad(tf.avgPool(h, 2, 2, 'valid'), [[0, 0], [0, 0], [0, 0], [1, 1]]);
  const projected = tf.conv2d(tf.add<tf.Tensor4D>(tf.slice(shortcut, [0, 0, 0, 0], [-1, -1, -1, 5]), strided), w4, 2, 'valid');
  const logits = tf.matMul(tf.reshape(projected, [n, -1]), fc);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), labels), 1))) as tf.Scalar;
}

async function smallNetGradients(backend: string): Promise<{ loss: number; grads: Float32Array[] }> {
  await tf.setBackend(backend);
  const rng = new SeededRandom(5);
  const tensor = (shape: number[], scale = 0.5, offset = 0) => tf.tensor(randomValues(rng, shape.reduce((a, b) => a * b)).map((v) => offset + scale * v), shape);
  const x = tensor([3, 12, 12, 3]) as tf.Tensor4D;
  const labels = tf.cast(tf.oneHot(tf.tensor1d([1, 0, 3], 'int32'), 4), 'float32') as tf.Tensor2D;
  const params = [tensor([3, 3, 3, 6]), tensor([6], 0.1, 1), tensor([6], 0.1), tensor([3, 3, 3, 3]), tensor([3, 3, 24, 5]), tensor([1, 1, 5, 2]), tensor([8, 4])];
  const tensorsBefore = tf.memory().numTensors;
  const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => smallNet(x, labels, ps))(params);
  const result = { loss: (await value.data())[0], grads: await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>)) };
  tf.dispose([value, ...grads]);
  assert.equal(tf.memory().numTensors, tensorsBefore, `gradients on ${backend} leaked tensors`);
  tf.dispose([x, labels, ...params]);
  return result;
}

/** Runs `body` with the cpu backend's own kernels in place of ours (and without those it lacks), so that it is independent. */
async function withCpuBuiltIns<T>(body: () => Promise<T>): Promise<T> {
  const ours = trainingKernels.filter((config) => config.backendName === 'cpu');
  for (const config of ours) {
    tf.unregisterKernel(config.kernelName, 'cpu');
    const builtIn = builtInKernel(config.kernelName, 'cpu');
    if (builtIn !== undefined) tf.registerKernel(builtIn);
  }
  try {
    return await body();
  } finally {
    for (const config of ours) {
      if (builtInKernel(config.kernelName, 'cpu') !== undefined) tf.unregisterKernel(config.kernelName, 'cpu');
      tf.registerKernel(config);
    }
  }
}

test('gradients of a small conv net on wasm equal those on cpu with its built-in kernels', async () => {
  const wasm = await smallNetGradients('wasm');
  const cpu = await withCpuBuiltIns(() => smallNetGradients('cpu'));
  // Rounding differences (about 1e-7 relative per op) pass through a dozen ops including the
  // batch-norm division; 1e-4 of each gradient's largest entry leaves a wide margin for that
  // while any wrong kernel gives differences of the order of the gradient itself.
  assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${wasm.loss} vs ${cpu.loss}`);
  cpu.grads.forEach((expected, p) => {
    const actual = wasm.grads[p];
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(scale > 0, `parameter ${p}: zero gradient, the check would be empty`);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    assert.ok(worst <= 1e-4 * scale, `parameter ${p}: max difference ${worst} for gradients up to ${scale}`);
  });
});

test('BatchMatMul on wasm with transposed operands (transposed copies, the thin side on the right) equals the cpu built-in and leaks nothing', async () => {
  const rng = new SeededRandom(12);
  // [batch], rows M, inner K, columns N: M < N takes the product of the transposes, M >= N the plain one;
  // mnist-small's head (64 x 784 x 128 and its gradients); a broadcast batch goes to the built-in
  const products: { batch: number[]; m: number; k: number; n: number; batchB?: number[] }[] = [
    { batch: [], m: 5, k: 7, n: 3 },
    { batch: [], m: 3, k: 7, n: 5 },
    { batch: [], m: 64, k: 784, n: 128 },
    { batch: [], m: 784, k: 64, n: 128 },
    { batch: [3], m: 4, k: 6, n: 9 },
    { batch: [2], m: 9, k: 1, n: 4 },
    { batch: [1], m: 3, k: 5, n: 6, batchB: [4] },
  ];
  for (const { batch, m, k, n, batchB } of products) {
    for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = { values: randomValues(rng, batch.reduce((x, y) => x * y, 1) * m * k), shape: [...batch, ...(transposeA ? [k, m] : [m, k])] };
      const bBatch = batchB ?? batch;
      const b = { values: randomValues(rng, bBatch.reduce((x, y) => x * y, 1) * k * n), shape: [...bBatch, ...(transposeB ? [n, k] : [k, n])] };
      await assertMatchesCpu('wasm', 'BatchMatMul', { a, b }, { transposeA, transposeB }, k, `${a.shape.join('x')} · ${b.shape.join('x')}, transposeA ${transposeA}, transposeB ${transposeB}`);
    }
  }
});

test('Identity on wasm shares the buffer safely: the copy outlives its source, nothing leaks', async () => {
  await tf.setBackend('wasm');
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.engine().backend.numDataIds();
  const values = randomValues(new SeededRandom(3), 24);
  const x = tf.tensor(values, [2, 3, 4]);
  const y = tf.engine().runKernel<tf.Tensor>('Identity', { x }, {});
  x.dispose();
  const z = tf.add(y, 1);
  assert.deepEqual(Array.from(await y.data()), Array.from(values));
  assert.deepEqual(Array.from(await z.data()), Array.from(values, (v) => Math.fround(v + 1)));
  tf.dispose([y, z]);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
});
