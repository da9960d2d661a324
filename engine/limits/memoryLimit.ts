// The memory limit: work whose tensors would exceed it is refused before anything is allocated, with a
// message that says how much was asked for and what the limit is. Estimates come from the analytic model
// (engine/model/analysis.ts, within ~20% of tf.profile's measured step peaks).
import { totalmem } from 'node:os';
import { formatBytes } from '../../shared/format';

/**
 * The default limit as a share of the machine's memory. Half, because the tensors are not all the engine
 * holds (the dataset sits in host arrays beside them, results are copied out of the backend), the analytic
 * estimate may be ~20% low, and the editor and the rest of the desktop need the other half; past physical
 * memory the machine swaps, which is worse for the user than a clear refusal.
 */
export const DEFAULT_MEMORY_SHARE = 0.5;

export const MEMORY_LIMIT_ENV = 'REVNET_MEMORY_LIMIT';

export class MemoryLimitError extends Error {
  constructor(
    readonly estimateBytes: number,
    readonly limitBytes: number,
    what: string,
  ) {
    super(
      `${what} would need about ${formatBytes(estimateBytes)} (${Math.round(estimateBytes)} bytes) of memory, ` +
        `over the memory limit of ${formatBytes(limitBytes)} (${Math.round(limitBytes)} bytes); ` +
        `use a smaller batch or model, or raise the limit (--memory-limit, ${MEMORY_LIMIT_ENV}, or the setting revnet.memoryLimitMB)`,
    );
    this.name = 'MemoryLimitError';
  }
}

/** A backend whose heap cannot grow past a fixed size, whatever the limit says. */
export interface HeapCeiling {
  bytes: number;
  /** names it in the refusal, e.g. "the wasm backend's 4 GiB heap" */
  name: string;
}

/**
 * WebAssembly's 32-bit heap ends at 4 GiB, and running out of it aborts the process ("Aborted()") instead of
 * throwing. 80% of it, because the estimates may be ~20% low and the heap also holds the kernels' own buffers.
 */
export const WASM_HEAP_CEILING: HeapCeiling = { bytes: Math.floor(4 * 2 ** 30 * 0.8), name: "the wasm backend's 4 GiB heap" };

let heapCeiling: HeapCeiling | undefined;

/** set by the backend selection (engine/backend): the active backend's heap ceiling, if it has one */
export function setBackendHeapCeiling(ceiling: HeapCeiling | undefined): void {
  heapCeiling = ceiling;
}

export class HeapCeilingError extends Error {
  constructor(
    readonly estimateBytes: number,
    readonly ceiling: HeapCeiling,
    what: string,
  ) {
    super(
      `${what} would need about ${formatBytes(estimateBytes)} of tensor memory, more than ${ceiling.name} can hold ` +
        `(at most ${formatBytes(ceiling.bytes)} of it is used, whatever the memory limit); use a smaller batch or model, ` +
        `or the tensorflow backend (@tensorflow/tfjs-node, --backend tensorflow), which has no such ceiling`,
    );
    this.name = 'HeapCeilingError';
  }
}

/** half the machine's memory (DEFAULT_MEMORY_SHARE) */
export function defaultMemoryLimit(): number {
  return Math.floor(totalmem() * DEFAULT_MEMORY_SHARE);
}

/**
 * Throws MemoryLimitError when the estimate exceeds the limit, HeapCeilingError when it exceeds the active
 * backend's heap ceiling (tensor work only: host arrays such as loaded data sets are not in that heap).
 * A non-finite estimate (a config far too large to count) is refused too.
 */
export function checkMemoryLimit(estimateBytes: number, limitBytes: number, what: string, options: { hostOnly?: boolean } = {}): void {
  if (!(estimateBytes <= limitBytes)) throw new MemoryLimitError(estimateBytes, limitBytes, what);
  if (options.hostOnly !== true && heapCeiling !== undefined && estimateBytes > heapCeiling.bytes) {
    throw new HeapCeilingError(estimateBytes, heapCeiling, what);
  }
}

/** the limit a request runs under: its own, else REVNET_MEMORY_LIMIT, else the default */
export function resolveMemoryLimit(requested: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (requested !== undefined) {
    if (!Number.isFinite(requested) || requested <= 0) throw new Error(`memoryLimitBytes must be a number of bytes > 0, got ${requested}`);
    return requested;
  }
  const text = env[MEMORY_LIMIT_ENV];
  if (text !== undefined && text.trim() !== '') {
    try {
      return parseByteSize(text);
    } catch (error) {
      throw new Error(`${MEMORY_LIMIT_ENV}: ${(error as Error).message}`);
    }
  }
  return defaultMemoryLimit();
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
};

/** "8GiB", "500MB", "1.5G" (a bare K/M/G/T is binary, like KiB), "123456" (bytes) → bytes */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  const factor = match ? UNITS[match[2].toLowerCase() || 'b'] : undefined;
  if (!match || factor === undefined) {
    throw new Error(`"${text}" is not a size; write a number with an optional unit, e.g. 8GiB, 500MB, 2G or 1048576`);
  }
  const bytes = Math.floor(Number(match[1]) * factor);
  if (!(bytes > 0)) throw new Error(`"${text}": the size must be more than 0 bytes`);
  return bytes;
}
