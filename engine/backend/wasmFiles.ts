// Tells tfjs-backend-wasm where its .wasm binaries are. From the sources (tsx) they sit in
// node_modules/@tensorflow/tfjs-backend-wasm/dist/; in the esbuild bundles (dist/engine.js,
// dist/cli.js) the library is inlined, its `__dirname` becomes the bundle's folder, and
// esbuild.mjs copies the binaries there. Naming the folder explicitly makes both cases (and a
// bundle run from a checkout that also has node_modules) load the files we checked exist.
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

export const wasmBinaryNames = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

function candidateFolders(): string[] {
  const folders: string[] = [];
  // In the bundle this is dist/; from the sources it is engine/backend/ (no binaries there).
  if (typeof __dirname === 'string') folders.push(__dirname);
  try {
    folders.push(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  } catch {
    // not resolvable from here (a bundle shipped without node_modules): the bundle folder must do
  }
  return folders;
}

/** The folder holding every wasm binary, with a trailing separator as setWasmPaths expects. */
export function findWasmFolder(): string {
  const folders = candidateFolders();
  const found = folders.find((folder) => wasmBinaryNames.every((name) => existsSync(join(folder, name))));
  if (found === undefined) {
    throw new Error(`the wasm backend's binaries (${wasmBinaryNames.join(', ')}) were not found in ${folders.join(' or ')}`);
  }
  return found.endsWith(sep) ? found : found + sep;
}
