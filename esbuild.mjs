// Builds the four bundles: the extension host code, the background engine process,
// the webview panel and the command line. `--production` minifies, `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const outdir = join(root, 'dist');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
};

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  {
    ...nodeCommon,
    entryPoints: { extension: 'extension/main.ts' },
    outdir,
    // The extension host must stay light: TensorFlow.js may never reach this bundle.
    external: ['vscode', '@tensorflow/*'],
    // ESM builds first: jsonc-parser's UMD build loads its parts with requires esbuild cannot follow.
    mainFields: ['module', 'main'],
    metafile: true,
  },
  {
    ...nodeCommon,
    entryPoints: { engine: 'engine/server/main.ts', cli: 'engine/cli/main.ts' },
    outdir,
    // Loaded at run time when the user has it installed; never bundled.
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { webview: 'webview/main.ts' },
    outdir,
  },
];

function copyWasmFiles() {
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  mkdirSync(outdir, { recursive: true });
  for (const name of readdirSync(wasmDir)) {
    if (name.endsWith('.wasm')) copyFileSync(join(wasmDir, name), join(outdir, name));
  }
}

copyWasmFiles();
if (watch) {
  for (const options of bundles) {
    const context = await esbuild.context(options);
    await context.watch();
  }
  console.log('esbuild: watching for changes');
} else {
  const results = await Promise.all(bundles.map((options) => esbuild.build(options)));
  const extensionMeta = results[0].metafile;
  // Kept for test/integration/extensionBundle.test.ts, which checks what reached the extension bundle.
  writeFileSync(join(outdir, 'extension.meta.json'), JSON.stringify(extensionMeta));
  const leaked = Object.keys(extensionMeta?.inputs ?? {}).filter((input) => input.includes('@tensorflow'));
  if (leaked.length > 0) {
    console.error(`esbuild: TensorFlow.js reached the extension bundle: ${leaked.join(', ')}`);
    process.exit(1);
  }
}
