// Checks a message from the webview (untrusted browser code) before the host acts on it:
// known type, the fields that type needs with the right types, sizes and ranges, nothing huge.
import { VIEW_NAMES, type WebviewToHost } from './webviewMessages';

export type Validation = { ok: true; message: WebviewToHost } | { ok: false; reason: string; id?: number };

/** Larger messages are refused before they are looked at (the webview only sends small requests). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_EDITS = 32;
export const MAX_CHANNELS_PER_EDIT = 4096;
export const MAX_SAMPLE_INDEX = 10_000_000;
const BLOCK_ID = /^(stage\d{1,3}\.unit\d{1,4}|stem|head)$/;
const TENSORS = ['input', 'output', 'edited', 'inverted', 'difference'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isFiniteIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function onlyKeys(value: Json, allowed: string[]): string | undefined {
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  return extra.length > 0 ? `unexpected field(s) ${extra.slice(0, 5).join(', ')}` : undefined;
}

function checkChannels(value: unknown, where: string): string | undefined {
  if (!Array.isArray(value)) return `${where}.channels must be an array`;
  if (value.length === 0 || value.length > MAX_CHANNELS_PER_EDIT) return `${where}.channels must hold 1 to ${MAX_CHANNELS_PER_EDIT} channel numbers`;
  if (!value.every((c) => isInt(c, 0, 1_000_000))) return `${where}.channels must be non-negative integers`;
  return undefined;
}

function checkEdit(edit: unknown, where: string): string | undefined {
  if (!isObject(edit)) return `${where} must be an object`;
  switch (edit['kind']) {
    case 'zeroChannels':
      return onlyKeys(edit, ['kind', 'channels']) ?? checkChannels(edit['channels'], where);
    case 'scaleChannels':
      return (
        onlyKeys(edit, ['kind', 'channels', 'factor']) ??
        checkChannels(edit['channels'], where) ??
        (isFiniteIn(edit['factor'], -1000, 1000) ? undefined : `${where}.factor must be a finite number in [-1000, 1000]`)
      );
    case 'noise':
      return (
        onlyKeys(edit, ['kind', 'std', 'seed']) ??
        (isFiniteIn(edit['std'], 0, 1000) ? undefined : `${where}.std must be a finite number in [0, 1000]`) ??
        (isInt(edit['seed'], 0, 2 ** 32 - 1) ? undefined : `${where}.seed must be an integer in [0, 2^32)`)
      );
    case 'interpolate':
      return (
        onlyKeys(edit, ['kind', 'otherSample', 't']) ??
        (isInt(edit['otherSample'], 0, MAX_SAMPLE_INDEX) ? undefined : `${where}.otherSample must be a sample index`) ??
        (isFiniteIn(edit['t'], -10, 10) ? undefined : `${where}.t must be a finite number in [-10, 10]`)
      );
    default:
      return `${where}.kind must be one of zeroChannels, scaleChannels, noise, interpolate`;
  }
}

function checkBody(message: Json): string | undefined {
  switch (message['type']) {
    case 'ready':
    case 'refresh':
      return onlyKeys(message, ['type', 'id']);
    case 'blockSelected':
      return (
        onlyKeys(message, ['type', 'id', 'blockId']) ??
        (typeof message['blockId'] === 'string' && BLOCK_ID.test(message['blockId']) ? undefined : 'blockId must look like "stage1.unit0"')
      );
    case 'viewChanged':
      return (
        onlyKeys(message, ['type', 'id', 'view']) ??
        ((VIEW_NAMES as readonly unknown[]).includes(message['view']) ? undefined : `view must be one of ${VIEW_NAMES.join(', ')}`)
      );
    case 'saveTensor':
      return (
        onlyKeys(message, ['type', 'id', 'which']) ??
        ((TENSORS as readonly unknown[]).includes(message['which']) ? undefined : `which must be one of ${TENSORS.join(', ')}`)
      );
    case 'explore': {
      const extra = onlyKeys(message, ['type', 'id', 'source', 'edits']);
      if (extra !== undefined) return extra;
      const source = message['source'];
      if (!isObject(source)) return 'source must be an object';
      if ('sample' in source) {
        if (onlyKeys(source, ['sample']) !== undefined || !isInt(source['sample'], 0, MAX_SAMPLE_INDEX)) {
          return 'source.sample must be a non-negative integer sample index';
        }
      } else if (!(source['pickFile'] === true && Object.keys(source).length === 1)) {
        return 'source must be { sample: N } or { pickFile: true }';
      }
      const edits = message['edits'];
      if (!Array.isArray(edits)) return 'edits must be an array';
      if (edits.length > MAX_EDITS) return `at most ${MAX_EDITS} edits`;
      for (let i = 0; i < edits.length; i++) {
        const problem = checkEdit(edits[i], `edits[${i}]`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      // typeof, not String(): String() throws on an object without a prototype
      return `unknown message type ${JSON.stringify(typeof message['type'] === 'string' ? message['type'] : typeof message['type']).slice(0, 60)}`;
  }
}

/** Validates one message as received from `webview.onDidReceiveMessage`. */
export function validateWebviewMessage(raw: unknown): Validation {
  let size: number;
  try {
    // undefined for undefined, a function or a symbol, whatever the declared type says
    size = (JSON.stringify(raw) as string | undefined)?.length ?? 0;
  } catch {
    return { ok: false, reason: 'message is not plain JSON' };
  }
  if (size > MAX_MESSAGE_BYTES) return { ok: false, reason: `message of ${size} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit` };
  if (!isObject(raw)) return { ok: false, reason: 'message must be an object' };
  const id = raw['id'];
  if (!isInt(id, 0, Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'id must be a non-negative integer' };
  const problem = checkBody(raw);
  if (problem !== undefined) return { ok: false, reason: problem, id };
  return { ok: true, message: raw as unknown as WebviewToHost };
}

