// What an output option may write over. A file the user made is replaced only when asked (--force, or the
// extension's question); a model file (NAME.revnet.json, NAME.safetensors) is never the target of a report
// or a tensor, even with --force: that is always a slip of the file picker, and the model cannot be rebuilt
// from what would replace it.
import { existsSync, lstatSync } from 'node:fs';

const MODEL_FILE = /\.(revnet\.json|safetensors)$/i;

export function isModelFile(path: string): boolean {
  return MODEL_FILE.test(path);
}

/** Throws (message starting with the path) when `path` is a model file, or exists and `force` is not given. */
export function checkReportTarget(path: string, force: boolean): void {
  if (isModelFile(path)) {
    throw new Error(`${path}: is a model file name (.revnet.json / .safetensors); a report or tensor is never written over one, even with --force. Choose another name`);
  }
  if (!force && existsSync(path) && lstatSync(path).isFile()) {
    throw new Error(`${path}: already exists; add --force to replace it`);
  }
}

/** Only the model-file rule (for outputs that are replaced by design, like forward/invert results). */
export function checkNotModelFile(path: string): void {
  if (isModelFile(path)) {
    throw new Error(`${path}: is a model file name (.revnet.json / .safetensors); a tensor is never written over one. Choose a .npy name`);
  }
}
