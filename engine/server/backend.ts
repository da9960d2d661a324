// Chooses the TensorFlow.js backend once, at process start, from the extension's setting
// (passed as REVNET_BACKEND or --backend=NAME): auto, tensorflow, wasm or cpu.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../protocol/engineApi';

export interface BackendReady {
  backend: string;
  backendNote?: string;
}

const backendNames: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function requestedBackend(argv: string[], env: NodeJS.ProcessEnv): BackendName {
  const fromArgv = argv.find((arg) => arg.startsWith('--backend='))?.slice('--backend='.length);
  const value = fromArgv ?? env['REVNET_BACKEND'] ?? 'auto';
  if (!(backendNames as readonly string[]).includes(value)) {
    throw new Error(`unknown backend "${value}"; expected one of ${backendNames.join(', ')}`);
  }
  return value as BackendName;
}

// engine/backend/initBackend.ts (the full selection with wasm and tfjs-node) is being written;
// until it lands the server runs on the cpu backend and says so.
export async function initBackend(requested: BackendName): Promise<BackendReady> {
  // A named import, so the bundler keeps the module that registers the cpu backend.
  void version_cpu;
  await tf.setBackend('cpu');
  await tf.ready();
  const ready: BackendReady = { backend: tf.getBackend() };
  if (requested !== 'cpu') {
    ready.backendNote = `backend "${requested}" was asked for, but backend selection (engine/backend/initBackend.ts) is not available yet; using cpu`;
  }
  return ready;
}
