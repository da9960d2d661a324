// Backend selection: the native backend is not installed on this machine, so `auto` must say so
// once and go on with wasm; explicit choices are honoured or refused clearly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as esbuild from 'esbuild';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../engine/backend';
import { findWasmFolder, wasmBinaryNames } from '../../../../engine/backend/wasmFiles';

const noEnv = { env: {} };

test('auto: tfjs-node missing gives one plain note and the wasm backend', async () => {
  const handlers = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
  const choice = await initBackend('auto', noEnv);
  // the wasm glue's rethrowing process handlers are removed again
  assert.deepEqual([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')], handlers);
  assert.equal(choice.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(choice.note ?? '', /^@tensorflow\/tfjs-node is not installed \(Cannot find module '@tensorflow\/tfjs-node'[^\n]*\); using wasm$/);
});

test('auto is idempotent: the same answer, no new tensors, still wasm', async () => {
  const first = await initBackend('auto', noEnv);
  const tensors = tf.memory().numTensors;
  const second = await initBackend('auto', noEnv);
  assert.equal(second, first);
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(tf.memory().numTensors, tensors);
});

test('a native backend that fails to load for another reason is reported as such', async () => {
  const choice = await initBackend('auto', {
    env: {},
    loadNative: () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file\nat dlopen');
    },
  });
  assert.equal(choice.name, 'wasm');
  assert.equal(choice.note, '@tensorflow/tfjs-node could not be loaded (libtensorflow.so.2: cannot open shared object file); using wasm');
});

test('explicit cpu is used without a note, and auto switches back to wasm', async () => {
  const cpu = await initBackend('cpu', noEnv);
  assert.deepEqual(cpu, { name: 'cpu' });
  assert.equal(tf.getBackend(), 'cpu');
  // and without the cpu backend's multi-line "install tfjs-node" banner on its first tensor
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
  try {
    tf.dispose(tf.sum(tf.ones([3])));
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings, []);
  assert.equal((await initBackend('auto', noEnv)).name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

test('explicit tensorflow when it is missing is a clear error', async () => {
  await assert.rejects(initBackend('tensorflow', noEnv), /^Error: backend "tensorflow" was asked for, but @tensorflow\/tfjs-node is not installed \(Cannot find module/);
});

test('explicit tensorflow-gpu when @tensorflow/tfjs-node-gpu is missing is a clear error naming that package', async () => {
  await assert.rejects(initBackend('tensorflow-gpu', noEnv), /^Error: backend "tensorflow-gpu" was asked for, but @tensorflow\/tfjs-node-gpu is not installed \(Cannot find module '@tensorflow\/tfjs-node-gpu'/);
  assert.equal((await initBackend('auto', noEnv)).name, 'wasm');
});

test('auto: a GPU package that is installed but fails to load is reported, and the next backend is used', async () => {
  const choice = await initBackend('auto', {
    env: {},
    loadNativeGpu: () => {
      throw new Error('libcudart.so.11.0: cannot open shared object file');
    },
  });
  assert.equal(choice.name, 'wasm');
  assert.match(choice.note ?? '', /^@tensorflow\/tfjs-node-gpu could not be loaded \(libcudart\.so\.11\.0: cannot open shared object file\); @tensorflow\/tfjs-node is not installed \(.*\); using wasm$/);
});

// A stand-in for what tfjs-node-gpu does when it loads: it registers a backend named "tensorflow" whose
// instance says whether TensorFlow placed its ops on a GPU.
function fakeGpuPackage(onGpu: boolean): () => void {
  return () => {
    tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isGPUPackage: true, isUsingGpuDevice: onGpu }));
  };
}

test('tensorflow-gpu on a machine with a usable GPU: the tensorflow backend, gpu true, no note', async (t) => {
  t.after(async () => {
    tf.removeBackend('tensorflow');
    await initBackend('wasm', noEnv);
  });
  const choice = await initBackend('tensorflow-gpu', { env: {}, loadNativeGpu: fakeGpuPackage(true) });
  assert.deepEqual(choice, { name: 'tensorflow', gpu: true });
  assert.equal(tf.getBackend(), 'tensorflow');
});

test('auto with tfjs-node-gpu but no usable GPU: says that TensorFlow runs on the CPU', async (t) => {
  t.after(async () => {
    tf.removeBackend('tensorflow');
    await initBackend('wasm', noEnv);
  });
  const choice = await initBackend('auto', { env: {}, loadNativeGpu: fakeGpuPackage(false) });
  assert.equal(choice.name, 'tensorflow');
  assert.equal(choice.gpu, false);
  assert.equal(choice.note, '@tensorflow/tfjs-node-gpu loaded but TensorFlow found no usable GPU (CUDA and cuDNN libraries missing or no device); it runs on the CPU; using tensorflow-gpu');
});

test('REVNET_BACKEND overrides auto and is validated', async () => {
  assert.equal((await initBackend('auto', { env: { REVNET_BACKEND: 'cpu' } })).name, 'cpu');
  await assert.rejects(initBackend('auto', { env: { REVNET_BACKEND: 'gpu' } }), /REVNET_BACKEND="gpu" is not a backend; expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu/);
  assert.equal((await initBackend('wasm', { env: { REVNET_BACKEND: 'cpu' } })).name, 'wasm');
});

test('from the sources the wasm binaries are found in node_modules', () => {
  const folder = findWasmFolder();
  assert.match(folder, /node_modules[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]$/);
});

// The esbuild bundles inline tfjs-backend-wasm; the binaries then sit beside the bundle.
const bundleDir = mkdtempSync(join(tmpdir(), 'revnet-backend-bundle-'));
after(() => rmSync(bundleDir, { recursive: true, force: true }));

test('an esbuild bundle without node_modules loads the wasm binaries from its own folder', async () => {
  const entry = join(bundleDir, 'entry.ts');
  writeFileSync(
    entry,
    `import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from ${JSON.stringify(join(process.cwd(), 'engine/backend'))};
initBackend('wasm', { env: {} }).then(async (choice) => {
  const y = tf.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 1]), 1, 'same');
  process.stdout.write(JSON.stringify({ name: choice.name, sum: (await tf.sum(y).data())[0] }));
});
`,
  );
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: join(bundleDir, 'engine.js'),
    nodePaths: [join(process.cwd(), 'node_modules')],
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    logLevel: 'error',
  });
  const source = findWasmFolder();
  for (const name of wasmBinaryNames) copyFileSync(join(source, name), join(bundleDir, name));
  const run = spawnSync(process.execPath, [join(bundleDir, 'engine.js')], { cwd: bundleDir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  // all-ones 4x4x2 input, 3x3x2 all-ones filter, same padding: 4 corners x 8 + 8 edges x 12 + 4 inner x 18
  assert.deepEqual(JSON.parse(run.stdout), { name: 'wasm', sum: 4 * 8 + 8 * 12 + 4 * 18 });
});
