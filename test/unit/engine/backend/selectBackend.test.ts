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

test('REVNET_BACKEND overrides auto and is validated', async () => {
  assert.equal((await initBackend('auto', { env: { REVNET_BACKEND: 'cpu' } })).name, 'cpu');
  await assert.rejects(initBackend('auto', { env: { REVNET_BACKEND: 'gpu' } }), /REVNET_BACKEND="gpu" is not a backend; expected one of auto, tensorflow, wasm, cpu/);
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
    external: ['@tensorflow/tfjs-node'],
    logLevel: 'error',
  });
  const source = findWasmFolder();
  for (const name of wasmBinaryNames) copyFileSync(join(source, name), join(bundleDir, name));
  const run = spawnSync(process.execPath, [join(bundleDir, 'engine.js')], { cwd: bundleDir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  // all-ones 4x4x2 input, 3x3x2 all-ones filter, same padding: 4 corners x 8 + 8 edges x 12 + 4 inner x 18
  assert.deepEqual(JSON.parse(run.stdout), { name: 'wasm', sum: 4 * 8 + 8 * 12 + 4 * 18 });
});
