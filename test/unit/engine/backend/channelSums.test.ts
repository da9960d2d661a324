// ChannelSums (engine/backend/kernels/channelSums.ts): our wasm SIMD loop and the cpu plain loop against a
// float64 sum, against each other bit for bit (the same summation order), through a growing wasm memory, with
// gradients of first and second order, and the compiled module against its .wat source.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../engine/backend';
import { PARTIAL_ROWS } from '../../../../engine/backend/kernels/channelLayout';
import { CHANNEL_SUMS } from '../../../../engine/backend/kernels/channelSums';
import { channelSum } from '../../../../engine/model/channelOps';
import { SeededRandom } from '../../../../engine/util/random';

const EPS = 2 ** -24;

before(async () => {
  await initBackend('cpu', { env: {} });
  await initBackend('wasm', { env: {} });
});

/** channel counts with and without a remainder past the 4-wide vectors; row counts around the 64-row blocks */
const shapes: number[][] = [[1, 1], [1, 1, 1, 2], [3, 5, 7, 3], [2, 3, 5, 6], [PARTIAL_ROWS, 4], [PARTIAL_ROWS + 1, 5], [3, 65, 1, 8], [64, 14, 14, 32], [64, 7, 7, 64], [64, 14, 14, 2], [257, 33]];

function values(size: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  // an offset makes the sums large against each value, where float32 accumulation loses most
  return Float32Array.from({ length: size }, () => 3 + random.normal());
}

function float64Sums(data: Float32Array, channels: number): { sums: Float64Array; absSums: Float64Array } {
  const sums = new Float64Array(channels);
  const absSums = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    sums[i % channels] += data[i];
    absSums[i % channels] += Math.abs(data[i]);
  }
  return { sums, absSums };
}

async function sumsOn(backend: 'wasm' | 'cpu', data: Float32Array, shape: number[]): Promise<Float32Array> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const x = tf.tensor(data, shape);
  const sums = channelSum(x);
  const out = sums.dataSync() as Float32Array;
  tf.dispose([x, sums]);
  assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left`);
  return Float32Array.from(out);
}

test('the kernel is registered on wasm and cpu, and channelSum uses it', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    assert.equal(tf.getKernel(CHANNEL_SUMS, backend).kernelName, CHANNEL_SUMS, backend);
    const x = tf.ones([4, 3]);
    const profile = await tf.profile(() => channelSum(x).dispose());
    assert.deepEqual(profile.kernels.map((k) => k.name), [CHANNEL_SUMS], `${backend}: one kernel`);
    x.dispose();
  }
});

test('wasm SIMD and cpu loop: equal bit for bit, and within 64 roundings of the values from a float64 sum', async () => {
  for (const [index, shape] of shapes.entries()) {
    const channels = shape[shape.length - 1];
    const data = values(shape.reduce((a, b) => a * b, 1), 10 + index);
    const { sums, absSums } = float64Sums(data, channels);
    const wasm = await sumsOn('wasm', data, shape);
    const cpu = await sumsOn('cpu', data, shape);
    assert.deepEqual(wasm, cpu, `[${shape.join(',')}]: wasm against cpu`);
    for (let j = 0; j < channels; j++) {
      // each float32 partial holds at most 64 values; then the float64 sum and one rounding to float32
      const bound = PARTIAL_ROWS * EPS * absSums[j] + EPS * Math.abs(sums[j]);
      assert.ok(Math.abs(wasm[j] - sums[j]) <= bound, `[${shape.join(',')}] channel ${j}: ${wasm[j]} vs ${sums[j]} (bound ${bound})`);
    }
  }
});

test('more accurate than one float32 accumulator over the rows (12,544 rows of 32 channels)', async () => {
  const shape = [64, 14, 14, 32];
  const data = values(64 * 14 * 14 * 32, 3);
  const { sums } = float64Sums(data, 32);
  const ours = await sumsOn('wasm', data, shape);
  const naive = new Float32Array(32);
  for (let i = 0; i < data.length; i++) naive[i % 32] = Math.fround(naive[i % 32] + data[i]);
  const worst = (got: Float32Array) => Math.max(...Array.from(got, (v, j) => Math.abs(v - sums[j])));
  assert.ok(worst(ours) * 10 < worst(naive), `ours ${worst(ours)}, one accumulator ${worst(naive)}`);
});

test('wasm: still right after its memory grew (the loop reads the memory, not an old view of it)', async () => {
  await tf.setBackend('wasm');
  const small = values(40 * 6, 4);
  const first = await sumsOn('wasm', small, [40, 6]);
  // 96 MiB more than anything before: the wasm memory must grow
  const rows = (24 * 2 ** 20) / 8;
  const big = tf.fill([rows, 8], 0.5);
  const sums = channelSum(big);
  assert.deepEqual(Array.from(sums.dataSync()), new Array<number>(8).fill(rows * 0.5));
  tf.dispose([big, sums]);
  assert.deepEqual(await sumsOn('wasm', small, [40, 6]), first);
});

test('wasm: tensors and scratch past 2 GiB of memory (addresses that are negative as signed 32-bit integers)', async () => {
  await tf.setBackend('wasm');
  const data = values(70 * 6, 5);
  const expected = await sumsOn('wasm', data, [70, 6]);
  // memory filled in 64 MiB blocks until a new small allocation lies above 2^31
  const backend = tf.backend() as unknown as { typedArrayFromHeap(info: tf.TensorInfo): Float32Array };
  const fillers: tf.Tensor[] = [];
  try {
    for (let probe = tf.zeros([16]); ; probe = tf.zeros([16])) {
      const high = backend.typedArrayFromHeap(probe).byteOffset >= 2 ** 31;
      fillers.push(probe);
      if (high) break;
      assert.ok(fillers.length < 200, 'the wasm memory never reached 2 GiB');
      fillers.push(tf.zeros([2 ** 24]));
    }
    assert.deepEqual(await sumsOn('wasm', data, [70, 6]), expected);
  } finally {
    tf.dispose(fillers);
  }
});

test('gradients: first order broadcasts the upstream gradient; second order goes through it again (wasm and cpu)', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const x = tf.tensor(values(2 * 3 * 4 * 5, 7), [2, 3, 4, 5]);
    const w = tf.tensor1d([1, -2, 0.5, 3, -1]);
    const v = tf.tensor(values(2 * 3 * 4 * 5, 8), [2, 3, 4, 5]);
    // f(x) = Σ_c w_c Σ_rows x²: ∇f = 2·x·w, and the gradient of ⟨∇f, v⟩ is 2·v·w
    const f = (t: tf.Tensor) => tf.sum(tf.mul(channelSum(tf.square(t)), w));
    const grad = tf.grad(f)(x);
    const hv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(t), v)))(x);
    const expectGrad = tf.tidy(() => tf.mul(tf.mul(x, 2), w));
    const expectHv = tf.tidy(() => tf.mul(tf.mul(v, 2), w));
    const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
      const [da, db] = [a.dataSync(), b.dataSync()];
      for (let i = 0; i < da.length; i++) assert.ok(Math.abs(da[i] - db[i]) <= 1e-5 * Math.max(1, Math.abs(db[i])), `${backend} ${what}[${i}]: ${da[i]} vs ${db[i]}`);
    };
    close(grad, expectGrad, 'gradient');
    close(hv, expectHv, 'second order');
    tf.dispose([x, w, v, grad, hv, expectGrad, expectHv]);
    assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left`);
  }
});

test('the committed wasm module is what perChannel.wat compiles to (tools/compileWat.mjs --check)', () => {
  execFileSync(process.execPath, ['tools/compileWat.mjs', '--check'], { stdio: 'pipe' });
});
