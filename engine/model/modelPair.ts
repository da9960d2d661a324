// A model's config and weights load only together: the weights record the SHA-256 of the config they were
// saved with (`__metadata__.configSha256`, over the config's JSON value with sorted keys, so re-indenting
// does not matter). A mismatch is refused with a message saying which file is stale. saveModel's journal
// `.NAME.revnet.json.pending` lets a load complete a save that a kill interrupted between the two renames.
import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite';

export const CONFIG_HASH_KEY = 'configSha256';

/** `dir/NAME.revnet.json` -> `dir/.NAME.revnet.json.pending` */
export function pendingConfigPath(configPath: string): string {
  return join(dirname(configPath), `.${basename(configPath)}.pending`);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = canonical((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/**
 * The hash of a config file's text: of its JSON value with keys sorted (layout and key order do not count),
 * leaving out `training.finishedAt` (a clock reading): the same weights trained the same way give the same bytes.
 */
export function configHash(configText: string): string {
  const text = configText.charCodeAt(0) === 0xfeff ? configText.slice(1) : configText;
  const value = canonical(JSON.parse(text));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const training = (value as Record<string, unknown>)['training'];
    if (training !== null && typeof training === 'object') delete (training as Record<string, unknown>)['finishedAt'];
  }
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function hashOrUndefined(text: string): string | undefined {
  try {
    return configHash(text);
  } catch {
    return undefined;
  }
}

export interface PairCheck {
  /** the config to use instead of the file's (a completed interrupted save) */
  configText?: string;
  note?: string;
}

/** Checks that the weights were saved with this config; completes an interrupted save; else refuses. */
export async function checkPair(configPath: string, configText: string, weightsPath: string, metadata: Partial<Record<string, string>>): Promise<PairCheck> {
  const recorded = metadata[CONFIG_HASH_KEY];
  if (recorded === undefined) {
    // files written before the pair check (or by other tools, e.g. PyTorch): loaded, with a word
    return { note: `${weightsPath}: records no config hash (written by an older version or another tool); it is loaded with ${basename(configPath)} unchecked` };
  }
  if (hashOrUndefined(configText) === recorded) return {};
  const pending = pendingConfigPath(configPath);
  if (existsSync(pending)) {
    const pendingText = await readFile(pending, 'utf8');
    if (hashOrUndefined(pendingText) === recorded) {
      try {
        await writeFileAtomic(configPath, pendingText);
        rmSync(pending, { force: true });
        return { configText: pendingText, note: `${configPath}: completed a save that was interrupted after the weights were written (from ${basename(pending)})` };
      } catch {
        return { configText: pendingText, note: `${configPath}: a save was interrupted after the weights were written; loaded the new config from ${pending} (could not complete the save)` };
      }
    }
  }
  const configTime = statSync(configPath).mtimeMs;
  const weightsTime = statSync(weightsPath).mtimeMs;
  if (configTime > weightsTime) {
    throw new Error(
      `${weightsPath} is stale: ${configPath} was changed after these weights were saved (its hash differs from the one they record). ` +
        'Undo the edit to the config, or retrain / re-save the model to get weights that belong to it.',
    );
  }
  throw new Error(
    `${configPath} is stale: ${weightsPath} was saved with a different config (its recorded config hash differs). ` +
      'The two files are not a pair: restore the config saved with these weights, or the weights saved with this config (a finished run\'s checkpoint/ folder holds a consistent pair).',
  );
}
