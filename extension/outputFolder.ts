// What a training run's output folder already holds that the run would replace (the engine refuses to
// replace it without `force`; the extension asks first). Plain Node, so it is tested without vscode.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** the model files and the checkpoint in `outDir`, by name; [] for a missing or empty folder */
export function existingOutputs(outDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return [];
  }
  const found = names.filter((name) => name.endsWith('.revnet.json') || name.endsWith('.safetensors')).sort();
  if (existsSync(join(outDir, 'checkpoint', 'latest.json'))) found.push('checkpoint/');
  return found;
}
