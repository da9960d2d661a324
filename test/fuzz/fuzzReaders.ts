// A seeded mutation fuzzer for every file reader: each input must end in a loaded object or the
// reader's own error (naming the file), within a time bound and without a large allocation.
// `npm run fuzz` (10,000 inputs per reader by default; `-- --count N --seed S --reader NAME`).
// Inputs that break a rule are saved in test/fixtures/fuzz-regressions/ (replayed by test/unit/engine/io/fuzzReaders.test.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseCifar } from '../../engine/io/cifar';
import { FileFormatError } from '../../engine/io/fileFormatError';
import { parseIdxFile } from '../../engine/io/idx';
import { parseNpy } from '../../engine/io/npy';
import { parseSafetensors } from '../../engine/io/safetensors';
import { parseConfig } from '../../engine/model/loadConfig';
import { ConfigError } from '../../engine/model/validateConfig';
import { SeededRandom } from '../../engine/util/random';
import { binaryMutators, gzipMutators, headerMutators, jsonMutators, mutate, type Mutator } from './mutate';
import { cifarSeeds, configSeeds, idxGzipSeeds, idxPlainSeeds, npySeeds, safetensorsSeeds } from './seeds';

/** decompressed IDX data is bounded lower here than in normal use, to keep the fuzzer's memory small */
const FUZZ_GUNZIP_BYTES = 64 * 1024 * 1024;
export const REGRESSION_DIR = join(__dirname, '..', 'fixtures', 'fuzz-regressions');

export interface FuzzReader {
  name: string;
  fileName: string;
  seeds: () => Buffer[];
  mutators: Mutator[];
  read: (bytes: Buffer, fileName: string) => unknown;
  /** the reader's own error type, and the file it names */
  isOwnError: (error: unknown) => error is Error;
  namedFile: (error: Error) => string;
  /** bytes a loaded result may hold beyond the input's size */
  allowance: (input: Buffer) => number;
  /** what must hold of a loaded result; a string says what does not */
  // each reader's result has its own type, and this table holds them all
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  check?: (result: any) => string | undefined;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const arrayFits = (what: string, array: { shape: number[]; data: ArrayLike<unknown> }) =>
  array.shape.every((d) => Number.isSafeInteger(d) && d >= 0) && product(array.shape) === array.data.length
    ? undefined
    : `${what}: shape [${array.shape.join(', ')}] but ${array.data.length} values`;
const checkTensors = (file: { tensors: Map<string, { shape: number[]; data: ArrayLike<unknown> }>; metadata: Record<string, unknown> }) => {
  for (const [name, tensor] of file.tensors) {
    const problem = arrayFits(name, tensor);
    if (problem) return problem;
  }
  return Object.values(file.metadata).every((v) => typeof v === 'string') ? undefined : 'metadata value that is not a string';
};
const checkCifar = (limit: number) => (batch: { count: number; images: Uint8Array; labels: Int32Array }) =>
  batch.images.length !== batch.count * 3072 || batch.labels.length !== batch.count
    ? `count ${batch.count} but ${batch.images.length} pixels and ${batch.labels.length} labels`
    : batch.labels.some((l) => l < 0 || l >= limit) ? 'label out of range' : undefined;

const isFileFormatError = (error: unknown): error is FileFormatError => error instanceof FileFormatError;
const fileOf = (error: Error) => (isFileFormatError(error) ? error.file : '');
const proportional = (factor: number) => (input: Buffer) => factor * input.length + (1 << 20);

export const READERS: FuzzReader[] = [
  { name: 'safetensors', fileName: 'fuzz.safetensors', seeds: safetensorsSeeds, mutators: headerMutators, read: (b, f) => parseSafetensors(b, f), isOwnError: isFileFormatError, namedFile: fileOf, allowance: proportional(4), check: checkTensors },
  { name: 'npy', fileName: 'fuzz.npy', seeds: npySeeds, mutators: headerMutators, read: (b, f) => parseNpy(b, f), isOwnError: isFileFormatError, namedFile: fileOf, allowance: proportional(2), check: (r) => arrayFits('array', r) },
  { name: 'idx', fileName: 'fuzz-idx3-ubyte', seeds: idxPlainSeeds, mutators: binaryMutators, read: (b, f) => parseIdxFile(b, f, FUZZ_GUNZIP_BYTES), isOwnError: isFileFormatError, namedFile: fileOf, allowance: proportional(2), check: (r) => arrayFits('array', r) },
  { name: 'idx-gzip', fileName: 'fuzz-idx3-ubyte.gz', seeds: idxGzipSeeds, mutators: gzipMutators, read: (b, f) => parseIdxFile(b, f, FUZZ_GUNZIP_BYTES), isOwnError: isFileFormatError, namedFile: fileOf, allowance: () => 2 * FUZZ_GUNZIP_BYTES + (1 << 20), check: (r) => arrayFits('array', r) },
  { name: 'cifar10', fileName: 'fuzz_batch.bin', seeds: () => cifarSeeds('cifar10'), mutators: binaryMutators, read: (b, f) => parseCifar(b, 'cifar10', f), isOwnError: isFileFormatError, namedFile: fileOf, allowance: proportional(6), check: checkCifar(10) },
  { name: 'cifar100', fileName: 'fuzz_train.bin', seeds: () => cifarSeeds('cifar100'), mutators: binaryMutators, read: (b, f) => parseCifar(b, 'cifar100', f), isOwnError: isFileFormatError, namedFile: fileOf, allowance: proportional(6), check: checkCifar(100) },
  {
    name: 'config', fileName: 'fuzz.revnet.json', seeds: configSeeds, mutators: jsonMutators,
    read: (b, f) => parseConfig(b.toString('utf8'), f),
    isOwnError: (error: unknown): error is ConfigError => error instanceof ConfigError,
    namedFile: (error) => (error instanceof ConfigError ? error.fileName : ''),
    // the validator reports one problem per bad array element (~160 heap bytes per input byte);
    // parseConfig refuses texts over 256 KiB, which bounds this
    allowance: proportional(256),
  },
];

let lastResultKind = '';
export const lastResult = (): string => lastResultKind;

export type Outcome = { kind: 'loaded' | 'refused' } | { kind: 'broken'; reason: string };

/** One input through one reader, judged against the rules. */
export function judge(reader: FuzzReader, input: Buffer, timeLimitMs: number): { outcome: Outcome; ms: number } {
  const before = process.memoryUsage();
  const start = performance.now();
  let outcome: Outcome;
  let result: unknown;
  try {
    result = reader.read(input, reader.fileName);
    const problem = reader.check?.(result);
    outcome = problem === undefined ? { kind: 'loaded' } : { kind: 'broken', reason: `loaded an inconsistent object: ${problem}` };
  } catch (error) {
    if (reader.isOwnError(error)) {
      outcome = reader.namedFile(error) === reader.fileName && error.message.includes(reader.fileName)
        ? { kind: 'refused' }
        : { kind: 'broken', reason: `error does not name the file: ${error.message}` };
    } else {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      outcome = { kind: 'broken', reason: `not the reader's own error: ${text.slice(0, 300)}` };
    }
  }
  const ms = performance.now() - start;
  const after = process.memoryUsage();
  const grown = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed);
  if (outcome.kind !== 'broken' && ms > timeLimitMs) outcome = { kind: 'broken', reason: `took ${ms.toFixed(0)} ms (limit ${timeLimitMs})` };
  if (outcome.kind !== 'broken' && grown > reader.allowance(input)) {
    outcome = { kind: 'broken', reason: `memory grew by ${grown} bytes for a ${input.length}-byte input` };
  }
  // the result stayed referenced until here, so the memory measured above includes it
  lastResultKind = typeof result;
  return { outcome, ms };
}

export interface ReaderStats {
  reader: string;
  inputs: number;
  loaded: number;
  refused: number;
  broken: number;
  maxMs: number;
  maxInputBytes: number;
  failures: { file: string; reason: string }[];
}

export function fuzzReader(
  reader: FuzzReader,
  options: { count: number; seed: number; timeLimitMs?: number; saveFailures?: boolean },
): ReaderStats {
  const random = new SeededRandom(options.seed);
  const seeds = reader.seeds();
  const stats: ReaderStats = { reader: reader.name, inputs: 0, loaded: 0, refused: 0, broken: 0, maxMs: 0, maxInputBytes: 0, failures: [] };
  for (const seed of seeds) {
    const { outcome } = judge(reader, seed, options.timeLimitMs ?? 2000);
    if (outcome.kind !== 'loaded') throw new Error(`${reader.name}: a seed file does not load (${outcome.kind === 'broken' ? outcome.reason : 'refused'})`);
  }
  for (let i = 0; i < options.count; i++) {
    const input = mutate(seeds[random.int(seeds.length)], reader.mutators, random);
    const { outcome, ms } = judge(reader, input, options.timeLimitMs ?? 2000);
    stats.inputs++;
    stats.maxMs = Math.max(stats.maxMs, ms);
    stats.maxInputBytes = Math.max(stats.maxInputBytes, input.length);
    if (outcome.kind === 'broken') {
      stats.broken++;
      const file = `${reader.name}-${createHash('sha1').update(input).digest('hex').slice(0, 12)}.bin`;
      if (options.saveFailures) {
        mkdirSync(REGRESSION_DIR, { recursive: true });
        writeFileSync(join(REGRESSION_DIR, file), input);
      }
      if (stats.failures.length < 20) stats.failures.push({ file, reason: outcome.reason });
    } else stats[outcome.kind]++;
  }
  return stats;
}

function parseArgs(argv: string[]): { count: number; seed: number; readers: string[] } {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const readers = argv.flatMap((arg, i) => (argv[i - 1] === '--reader' ? [arg] : []));
  return { count: Number(value('--count') ?? 10_000), seed: Number(value('--seed') ?? 1), readers };
}

function main(): void {
  const { count, seed, readers } = parseArgs(process.argv.slice(2));
  const chosen = readers.length > 0 ? READERS.filter((r) => readers.includes(r.name)) : READERS;
  const startRss = process.resourceUsage().maxRSS;
  let broken = 0;
  console.log(`fuzzing ${chosen.map((r) => r.name).join(', ')}: ${count} inputs each, seed ${seed}`);
  for (const reader of chosen) {
    const start = performance.now();
    const stats = fuzzReader(reader, { count, seed, saveFailures: true });
    broken += stats.broken;
    console.log(
      `${reader.name.padEnd(12)} inputs ${stats.inputs}  loaded ${stats.loaded}  refused ${stats.refused}  broken ${stats.broken}` +
        `  slowest ${stats.maxMs.toFixed(1)} ms  largest input ${stats.maxInputBytes} B  (${((performance.now() - start) / 1000).toFixed(1)} s)`,
    );
    for (const failure of stats.failures) console.log(`  saved ${failure.file}: ${failure.reason}`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (at start ${(startRss / 1024).toFixed(0)} MB)`);
  if (broken > 0) {
    console.log(`${broken} input(s) broke a rule; saved in ${REGRESSION_DIR}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
