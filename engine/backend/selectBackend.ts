// Chooses the TensorFlow.js backend: `auto` tries tensorflow-gpu (tfjs-node-gpu, only where the user
// installed it), then tensorflow (tfjs-node), then wasm, then cpu, and says in one plain note why it
// skipped any. An explicit choice that cannot be had is an error.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
// Training on any backend needs the gradient functions; tfjs-core alone does not register them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerTrainingKernels } from './kernels/registerKernels';
import { isNotInstalled, loadTfjsNode, loadTfjsNodeGpu, nativeUnavailableReason, TFJS_NODE, TFJS_NODE_GPU, type NativeLoader } from './nativeBackend';
import { findWasmFolder } from './wasmFiles';
import { BACKEND_NAMES, isBackendName, type BackendName } from '../../protocol/engineApi';
import { setBackendHeapCeiling, WASM_HEAP_CEILING } from '../limits/memoryLimit';


export interface BackendChoice {
  /** the active backend, as `tf.getBackend()` names it */
  name: string;
  /** why a preferred backend was skipped, for the user, once */
  note?: string;
  /** for `tensorflow`: whether TensorFlow found a GPU it runs on (tfjs-node-gpu with CUDA) */
  gpu?: boolean;
}

export interface SelectOptions {
  /** loads @tensorflow/tfjs-node; replaceable so tests can simulate a broken install */
  loadNative?: NativeLoader;
  /** loads @tensorflow/tfjs-node-gpu; replaceable as loadNative */
  loadNativeGpu?: NativeLoader;
  /** where REVNET_BACKEND is read when the preference is `auto` (default: process.env) */
  env?: NodeJS.ProcessEnv;
}

/** `auto` defers to REVNET_BACKEND when it is set; anything else is taken as asked. */
export function effectivePreference(preference: BackendName, env: NodeJS.ProcessEnv): BackendName {
  if (preference !== 'auto') return preference;
  const fromEnv = env['REVNET_BACKEND'];
  if (fromEnv === undefined || fromEnv === '') return 'auto';
  if (!isBackendName(fromEnv)) {
    throw new Error(`REVNET_BACKEND="${fromEnv}" is not a backend; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  return fromEnv;
}

class BackendUnavailable extends Error {
  constructor(
    message: string,
    /** `auto` passes over a package that is simply not installed without a note */
    readonly notInstalled = false,
  ) {
    super(message);
  }
}

async function activate(name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new BackendUnavailable(`backend "${name}" failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!ok) throw new BackendUnavailable(`backend "${name}" failed to start`);
  await tf.ready();
}

async function useTensorflow(loadNative: NativeLoader, packageName = TFJS_NODE): Promise<void> {
  try {
    loadNative();
  } catch (error) {
    throw new BackendUnavailable(nativeUnavailableReason(error, packageName), isNotInstalled(error, packageName));
  }
  // null when nothing registered it, whatever the declared type says
  if ((tf.findBackendFactory('tensorflow') as unknown) === null) {
    throw new BackendUnavailable(`${packageName} loaded but registered no "tensorflow" backend with this copy of @tensorflow/tfjs-core (a version mismatch?)`);
  }
  await activate('tensorflow');
}

/** tfjs-node's backend says whether TensorFlow placed its ops on a GPU (false without CUDA/cuDNN) */
function tensorflowOnGpu(): boolean {
  return (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
}

async function useTensorflowGpu(loadNativeGpu: NativeLoader): Promise<string | undefined> {
  await useTensorflow(loadNativeGpu, TFJS_NODE_GPU);
  return tensorflowOnGpu() ? undefined : `${TFJS_NODE_GPU} loaded but TensorFlow found no usable GPU (CUDA and cuDNN libraries missing or no device); it runs on the CPU`;
}

let wasmPathsSet = false;
async function useWasm(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-meaningless-void-operator -- a named import keeps the module that registers the backend in the bundle
  void version_wasm;
  if (!wasmPathsSet) {
    let folder: string;
    try {
      folder = findWasmFolder();
    } catch (error) {
      throw new BackendUnavailable(error instanceof Error ? error.message : String(error));
    }
    setWasmPaths(folder);
    wasmPathsSet = true;
  }
  registerTrainingKernels('wasm');
  const before = processListeners();
  try {
    await activate('wasm');
  } finally {
    removeListenersAddedSince(before);
  }
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const processEvents: readonly ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];

type Listener = (...args: unknown[]) => void;
const processEmitter: NodeJS.EventEmitter = process;

function processListeners(): Map<ProcessEvent, Listener[]> {
  return new Map(processEvents.map((event) => [event, processEmitter.listeners(event) as Listener[]]));
}

// The wasm module's Emscripten glue adds process handlers that rethrow every uncaught error and
// rejection, which crashes the process (past the engine's own handlers) and prints a whole line
// of minified glue code. Removing them restores Node's and the engine's own error handling.
function removeListenersAddedSince(before: Map<ProcessEvent, Listener[]>): void {
  for (const event of processEvents) {
    const known = before.get(event) ?? [];
    for (const listener of processEmitter.listeners(event) as Listener[]) {
      if (!known.includes(listener)) processEmitter.removeListener(event, listener);
    }
  }
}

async function useCpu(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-meaningless-void-operator -- as version_wasm above
  void version_cpu;
  registerTrainingKernels('cpu');
  await activate('cpu');
  silenceCpuBanner();
}

// On its first tensor in Node the cpu backend prints a banner recommending tfjs-node; the note
// from `auto` already says that once, in one line.
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu !== null && cpu.firstUse === true) cpu.firstUse = false;
}

interface Loaders {
  native: NativeLoader;
  nativeGpu: NativeLoader;
}

/** activates one backend; a note when it works but not as well as asked (a GPU package without a GPU) */
async function use(name: Exclude<BackendName, 'auto'>, loaders: Loaders): Promise<string | undefined> {
  switch (name) {
    case 'tensorflow-gpu': return useTensorflowGpu(loaders.nativeGpu);
    case 'tensorflow': await useTensorflow(loaders.native); return undefined;
    case 'wasm': await useWasm(); return undefined;
    case 'cpu': await useCpu(); return undefined;
  }
}

function choiceOf(name: Exclude<BackendName, 'auto'>, notes: string[]): BackendChoice {
  const active = tf.getBackend();
  const choice: BackendChoice = { name: active };
  if (active === 'tensorflow') choice.gpu = name === 'tensorflow-gpu' && tensorflowOnGpu();
  if (notes.length > 0) choice.note = notes.join('; ');
  return choice;
}

async function choose(preference: BackendName, loaders: Loaders): Promise<BackendChoice> {
  if (preference !== 'auto') {
    try {
      const note = await use(preference, loaders);
      return choiceOf(preference, note === undefined ? [] : [note]);
    } catch (error) {
      if (error instanceof BackendUnavailable) throw new Error(`backend "${preference}" was asked for, but ${error.message}`);
      throw error;
    }
  }
  const skipped: string[] = [];
  for (const name of ['tensorflow-gpu', 'tensorflow', 'wasm'] as const) {
    try {
      const note = await use(name, loaders);
      const notes = note === undefined ? skipped : [...skipped, note];
      return choiceOf(name, notes.length === 0 ? [] : [`${notes.join('; ')}; using ${name}`]);
    } catch (error) {
      if (!(error instanceof BackendUnavailable)) throw error;
      // the GPU package is something a user installs on purpose: its absence is not news
      if (!(name === 'tensorflow-gpu' && error.notInstalled)) skipped.push(error.message);
    }
  }
  await useCpu();
  return { name: 'cpu', note: `${skipped.join('; ')}; using cpu` };
}

/** the backend as a user reads it: "tensorflow (GPU)" when TensorFlow runs on a GPU */
export function backendLabel(choice: BackendChoice): string {
  return choice.gpu === true ? `${choice.name} (GPU)` : choice.name;
}

const chosen = new Map<BackendName, Promise<BackendChoice>>();

/**
 * Makes the preferred backend the active one and returns its name (plus a note when `auto` had
 * to skip one). Idempotent: a second call with the same preference does not redo the work.
 */
export async function initBackend(preference: BackendName = 'auto', options: SelectOptions = {}): Promise<BackendChoice> {
  const effective = effectivePreference(preference, options.env ?? process.env);
  if (options.loadNative !== undefined || options.loadNativeGpu !== undefined) {
    return choose(effective, { native: options.loadNative ?? loadTfjsNode, nativeGpu: options.loadNativeGpu ?? loadTfjsNodeGpu });
  }
  let pending = chosen.get(effective);
  if (pending === undefined) {
    pending = choose(effective, { native: loadTfjsNode, nativeGpu: loadTfjsNodeGpu });
    chosen.set(effective, pending);
    pending.catch(() => chosen.delete(effective));
  }
  const choice = await pending;
  if (tf.getBackend() !== choice.name) await activate(choice.name);
  setBackendHeapCeiling(choice.name === 'wasm' ? WASM_HEAP_CEILING : undefined);
  return choice;
}
