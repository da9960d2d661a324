// Chooses the TensorFlow.js backend: `auto` tries tensorflow (tfjs-node), then wasm, then cpu,
// and says in one plain note why it skipped any. An explicit choice that cannot be had is an error.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
// Training on any backend needs the gradient functions; tfjs-core alone does not register them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerTrainingKernels } from './kernels/registerKernels';
import { loadTfjsNode, nativeUnavailableReason, type NativeLoader } from './nativeBackend';
import { findWasmFolder } from './wasmFiles';
import { BACKEND_NAMES, isBackendName, type BackendName } from '../../protocol/engineApi';
import { setBackendHeapCeiling, WASM_HEAP_CEILING } from '../limits/memoryLimit';


export interface BackendChoice {
  /** the active backend, as `tf.getBackend()` names it */
  name: string;
  /** why a preferred backend was skipped, for the user, once */
  note?: string;
}

export interface SelectOptions {
  /** loads @tensorflow/tfjs-node; replaceable so tests can simulate a broken install */
  loadNative?: NativeLoader;
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

class BackendUnavailable extends Error {}

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

async function useTensorflow(loadNative: NativeLoader): Promise<void> {
  try {
    loadNative();
  } catch (error) {
    throw new BackendUnavailable(nativeUnavailableReason(error));
  }
  // null when nothing registered it, whatever the declared type says
  if ((tf.findBackendFactory('tensorflow') as unknown) === null) {
    throw new BackendUnavailable('@tensorflow/tfjs-node loaded but registered no "tensorflow" backend with this copy of @tensorflow/tfjs-core (a version mismatch?)');
  }
  await activate('tensorflow');
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

async function choose(preference: BackendName, loadNative: NativeLoader): Promise<BackendChoice> {
  if (preference !== 'auto') {
    const use = { tensorflow: () => useTensorflow(loadNative), wasm: useWasm, cpu: useCpu }[preference];
    try {
      await use();
    } catch (error) {
      if (error instanceof BackendUnavailable) throw new Error(`backend "${preference}" was asked for, but ${error.message}`);
      throw error;
    }
    return { name: tf.getBackend() };
  }
  const skipped: string[] = [];
  for (const [name, use] of [
    ['tensorflow', () => useTensorflow(loadNative)],
    ['wasm', useWasm],
  ] as const) {
    try {
      await use();
      return skipped.length === 0 ? { name } : { name, note: `${skipped.join('; ')}; using ${name}` };
    } catch (error) {
      if (!(error instanceof BackendUnavailable)) throw error;
      skipped.push(error.message);
    }
  }
  await useCpu();
  return { name: 'cpu', note: `${skipped.join('; ')}; using cpu` };
}

const chosen = new Map<BackendName, Promise<BackendChoice>>();

/**
 * Makes the preferred backend the active one and returns its name (plus a note when `auto` had
 * to skip one). Idempotent: a second call with the same preference does not redo the work.
 */
export async function initBackend(preference: BackendName = 'auto', options: SelectOptions = {}): Promise<BackendChoice> {
  const effective = effectivePreference(preference, options.env ?? process.env);
  if (options.loadNative !== undefined) return choose(effective, options.loadNative);
  let pending = chosen.get(effective);
  if (pending === undefined) {
    pending = choose(effective, loadTfjsNode);
    chosen.set(effective, pending);
    pending.catch(() => chosen.delete(effective));
  }
  const choice = await pending;
  if (tf.getBackend() !== choice.name) await activate(choice.name);
  setBackendHeapCeiling(choice.name === 'wasm' ? WASM_HEAP_CEILING : undefined);
  return choice;
}
