// Reads a `NAME.revnet.json` model file: JSON syntax errors with line and column, then validateConfig.
import { readFile } from 'node:fs/promises';
import type { RevNetConfig } from './config';
import { findJsonSyntaxError } from './jsonSyntax';
import { ConfigError, validateConfig } from './validateConfig';

export const MAX_CONFIG_CHARS = 256 * 1024;

/** What a binary file given as a config is, in words; undefined for text. */
function binaryFileKind(text: string, fileName: string): string | undefined {
  // a safetensors file starts with its header's length as 8 little-endian bytes (mostly zero), then '{'
  const head = text.slice(0, 64);
  if (!head.includes('\u0000')) return undefined;
  if (fileName.endsWith('.safetensors') || text.charAt(8) === '{') return 'a binary safetensors file (weights)';
  if (fileName.endsWith('.npy')) return 'a binary NumPy .npy file (a tensor)';
  return 'a binary file';
}

/** Parses and validates a model file's text; `fileName` starts every error message. */
export function parseConfig(text: string, fileName: string): RevNetConfig {
  // real model files are a few kilobytes; a huge one would make the validator list millions of problems
  // (found by test/fuzz/fuzzReaders.ts)
  if (text.length > MAX_CONFIG_CHARS) {
    throw new ConfigError(fileName, [{ path: '', message: `is ${text.length} characters long; a model file has at most ${MAX_CONFIG_CHARS}` }]);
  }
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const binary = binaryFileKind(withoutBom, fileName);
  if (binary !== undefined) {
    throw new ConfigError(fileName, [{ path: '', message: `is ${binary}, not a model config; expected NAME.revnet.json, the JSON text that describes the model (its weights go in NAME.safetensors beside it)` }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(withoutBom);
  } catch (error) {
    const found = findJsonSyntaxError(withoutBom);
    const message = found
      ? `not valid JSON at line ${found.line}, column ${found.column}: ${found.message}`
      : `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    throw new ConfigError(fileName, [{ path: '', message }]);
  }
  return validateConfig(value, fileName);
}

/** Reads, parses and validates a model file; the config comes back with defaults filled in. */
export async function loadConfig(path: string): Promise<RevNetConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a model file'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(path, [{ path: '', message: reason }]);
  }
  return parseConfig(text, path);
}

