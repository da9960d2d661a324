// Starts tfjs-backend-wasm 4.22's threaded SIMD build in Node, as the `wasm` backend, with a chosen number of
// XNNPACK threads. The package itself never does so in Node, for three reasons (see bench/README.md,
// "Threaded wasm build in Node"), each worked around here without touching node_modules:
// 1. its WASM_HAS_MULTITHREAD_SUPPORT flag is false under IS_NODE, so `init()` never picks the threaded
//    binary: we call the package's own Emscripten factory (wasm-out/tfjs-backend-wasm-threaded-simd.js)
//    and hand the module to the package's exported BackendWasm, registered as `wasm`;
// 2. the pthread worker script and the main script reach Emscripten as `blob:` URLs, which Node's workers
//    cannot load: the worker script (shipped as a string in wasm-out/…worker.js) is written to a file, and
//    the main script is the factory's own file;
// 3. backend.cc caps the thread pool at emscripten_num_logical_cores() / 2 (it assumes two hyper-threads per
//    core), which is 1 on a 2-CPU machine whatever setThreadsCount asks: the module's import that reports
//    the logical cores is replaced, on the main thread only, by one that reports 2 x the threads asked.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from '../engine/backend';

type WasmModule = ConstructorParameters<typeof BackendWasm>[0];
type CWrap = (name: string, returnType: string | null, argTypes: string[]) => unknown;
interface Imports { env: Record<string, unknown> }
interface Instantiated { instance: object; module: object }
type ReceiveInstance = (instance: object, module: object) => void;
// the bench's lib (ES2022, no DOM) does not declare the WebAssembly namespace
const webAssembly = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: Imports): Promise<Instantiated> } }).WebAssembly;
const load = createRequire(__filename);
interface FactoryConfig {
  mainScriptUrlOrBlob: string;
  locateFile(path: string, prefix: string): string;
  instantiateWasm(imports: Imports, receive: ReceiveInstance): object;
}
type Factory = (config: FactoryConfig) => Promise<{ cwrap: CWrap }>;

const outFolder = join(dirname(load.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const mainScript = join(outFolder, 'tfjs-backend-wasm-threaded-simd.js');
const wasmBinary = join(outFolder, 'tfjs-backend-wasm-threaded-simd.wasm');

/** the pthread worker script as a file: wasm-out ships it as `module.exports.wasmWorkerContents = "…"` */
function writeWorkerScript(): string {
  const { wasmWorkerContents } = load(join(outFolder, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const folder = mkdtempSync(join(tmpdir(), 'revnet-wasm-threads-'));
  // kept while the process lives: Emscripten starts another worker from it when its pool of 8 runs out
  process.once('exit', () => { rmSync(folder, { recursive: true, force: true }); });
  const file = join(folder, 'pthread-worker.cjs');
  // as the package's init(): its string literals hold "\n" escapes that the template literal turned into newlines
  writeFileSync(file, wasmWorkerContents.replace(/\n/g, '\\n'));
  return file;
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const processEmitter: NodeJS.EventEmitter = process;

async function instantiate(threads: number): Promise<WasmModule> {
  const factory = load(mainScript) as Factory;
  const workerScript = writeWorkerScript();
  const events: ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((event) => [event, processEmitter.listeners(event)]));
  const module = await factory({
    mainScriptUrlOrBlob: mainScript,
    locateFile: (path, prefix) => (path.endsWith('.worker.js') ? workerScript : path.endsWith('.wasm') ? wasmBinary : prefix + path),
    instantiateWasm: (imports, receive) => {
      // read once by a C++ global initialiser (backend.cc: num_cores = emscripten_num_logical_cores() / 2)
      imports.env['emscripten_num_logical_cores'] = () => 2 * threads;
      void webAssembly.instantiate(readFileSync(wasmBinary), imports).then((result) => {
        receive(result.instance, result.module);
      });
      return {};
    },
  });
  // the Emscripten glue's handlers rethrow every uncaught error (engine/backend/selectBackend.ts removes them too)
  for (const event of events) {
    for (const listener of processEmitter.listeners(event)) {
      if (!(before.get(event) ?? []).includes(listener)) processEmitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  // as the package's init() wraps its module
  const tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return Object.assign(module, { tfjs }) as unknown as WasmModule;
}

/** Makes the threaded build the active `wasm` backend with `threads` XNNPACK threads; returns getThreadsCount(). */
export async function useThreadedWasm(threads: number): Promise<number> {
  if (!Number.isSafeInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  const module = await instantiate(threads);
  tf.removeBackend('wasm');
  setThreadsCount(threads);
  tf.registerBackend('wasm', () => new BackendWasm(module), 2);
  registerTrainingKernels('wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend failed to start');
  return getThreadsCount();
}
