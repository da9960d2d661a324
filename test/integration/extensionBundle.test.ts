// The built extension bundle (dist/extension.js, made by esbuild.mjs before this suite) stays light:
// no TensorFlow.js in it, by its esbuild metafile and by its text, and it loads in plain Node with
// only the `vscode` module supplied (so no dependency hides a require the bundler could not follow).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const dist = join(__dirname, '..', '..', 'dist');
const bundlePath = join(dist, 'extension.js');
const metaPath = join(dist, 'extension.meta.json');

describe('dist/extension.js', () => {
  test('its esbuild metafile lists no TensorFlow.js and no engine code among the inputs', () => {
    assert.ok(existsSync(metaPath), `${metaPath} is missing: run node esbuild.mjs`);
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    assert.ok(inputs.some((i) => i.startsWith('extension/')), 'the metafile does not describe the extension bundle');
    assert.deepEqual(inputs.filter((i) => i.includes('@tensorflow')), []);
    assert.deepEqual(inputs.filter((i) => i.startsWith('engine/')), []);
  });

  test('its text holds no TensorFlow.js code', () => {
    const text = readFileSync(bundlePath, 'utf8');
    for (const marker of ['@tensorflow/tfjs', 'tfjs-core', 'registerKernel', 'ENGINE.runKernel']) {
      assert.ok(!text.includes(marker), `found "${marker}" in ${bundlePath}`);
    }
    assert.ok(text.length < 1_000_000, `extension bundle is ${text.length} bytes`);
  });

  test('it loads in plain Node with only `vscode` supplied, and exports activate and deactivate', () => {
    const asked: string[] = [];
    const moduleApi = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const original = moduleApi._load;
    moduleApi._load = (request, ...rest) => {
      asked.push(request);
      if (request === 'vscode') return new Proxy({}, { get: () => function stub() { return undefined; } });
      return original(request, ...rest);
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the CommonJS bundle the way VS Code does
    const loaded = require(bundlePath) as { activate?: unknown; deactivate?: unknown };
      assert.equal(typeof loaded.activate, 'function');
      assert.equal(typeof loaded.deactivate, 'function');
    } finally {
      moduleApi._load = original;
    }
    const external = asked.filter((r) => r !== bundlePath && !r.startsWith('node:') && !Module.isBuiltin(r));
    assert.deepEqual([...new Set(external)], ['vscode']);
  });
});
