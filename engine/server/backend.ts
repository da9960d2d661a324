// Chooses the TensorFlow.js backend once, at process start, from the extension's setting
// (passed as --backend=NAME, or REVNET_BACKEND): auto, tensorflow, wasm or cpu.
import type { BackendName } from '../../protocol/engineApi';
import { initBackend as selectBackend, isBackendPreference } from '../backend';

export interface BackendReady {
  backend: string;
  backendNote?: string;
}

export function requestedBackend(argv: string[]): BackendName {
  const value = argv.find((arg) => arg.startsWith('--backend='))?.slice('--backend='.length) ?? 'auto';
  if (!isBackendPreference(value)) throw new Error(`unknown backend "${value}"; expected auto, tensorflow, wasm or cpu`);
  return value;
}

export async function initBackend(requested: BackendName): Promise<BackendReady> {
  const choice = await selectBackend(requested);
  const ready: BackendReady = { backend: choice.name };
  if (choice.note !== undefined) ready.backendNote = choice.note;
  return ready;
}
