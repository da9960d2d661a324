// Training checkpoints that survive a SIGKILL at any moment.
//
// Layout in the output folder:
//   checkpoint/latest.json          the pointer: which generation is current, with each file's size and SHA-256
//   checkpoint/gen-000007/          one complete checkpoint:
//     model.revnet.json, model.safetensors   the model (as saveModel writes it)
//     optimizer.safetensors                  the optimiser's slots (momentum buffers / Adam moments)
//     state.json                             epoch, step, RNG state, schedule, seed, data, options
//
// Writing: a new generation folder, every file written atomically (temp, fsync, rename, fsync folder),
// the checkpoint folder fsynced, then latest.json replaced atomically: that rename is the switch.
// Older generations are removed only after it. A kill before the switch leaves the previous generation
// current and whole; a kill after it leaves the new one. Reading goes only through latest.json and checks
// every file's size and hash, so a torn or foreign set is refused, never loaded.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncFolderSync, parseTemporaryName, writeFileAtomic } from '../io/atomicWrite';
import { encodeSafetensors, parseSafetensors } from '../io/safetensors';
import type { RevNetConfig } from '../model/config';
import { parseConfig } from '../model/loadConfig';
import { configToWrite, type ModelMetadata } from '../model/saveLoad';
import { configHash, CONFIG_HASH_KEY } from '../model/modelPair';
import { networkFromTensors, networkToTensors, type HostTensor, type RevNet } from '../model/network';
import type { Network } from '../model/network.types';
import { validateTrainingState } from './checkpointState';
import type { OptimizerState } from './optimizers';

export const CHECKPOINT_FOLDER = 'checkpoint';
const POINTER = 'latest.json';
const POINTER_FORMAT = 'revnet-checkpoint/1';
const FILES = { config: 'model.revnet.json', weights: 'model.safetensors', optimizer: 'optimizer.safetensors', state: 'state.json' } as const;

/** Where a run stands; everything needed, with the model and optimiser state, to continue bit for bit. */
export interface TrainingState {
  /** index of the epoch in progress (0-based); equals the epochs done when stepInEpoch is 0 */
  epoch: number;
  /** steps done inside that epoch */
  stepInEpoch: number;
  /** steps done in total */
  step: number;
  /** the shuffling generator's state before it drew this epoch's order */
  shuffleStateAtEpochStart: number;
  /** the learning rate of the epoch in progress (from the schedule; stored for readers) */
  learningRate: number;
  seed: number;
  /** the data spec as given (JSON) */
  data: unknown;
  /** the resolved training options, as TrainOptions in trainModel.ts */
  options: Record<string, unknown>;
  /** absent in a state file that recorded none */
  optimizerScalars?: Record<string, number>;
  /** per finished epoch: mean loss, accuracy and test accuracy */
  history: { epoch: number; loss: number; accuracy: number; testAccuracy?: number }[];
  /** every planned step is done */
  finished: boolean;
  /** sums over the steps done in the epoch in progress, for its mean loss and accuracy */
  epochTotals: { loss: number; correct: number; examples: number };
}

export interface Checkpoint {
  generation: string;
  folder: string;
  config: RevNetConfig;
  network: RevNet;
  optimizer: OptimizerState;
  state: TrainingState;
}

interface PointerFile {
  format: string;
  generation: string;
  /** read from JSON: a file the pointer does not list is undefined */
  files: Partial<Record<string, { bytes: number; sha256: string }>>;
}

export function checkpointFolder(outDir: string): string {
  return join(outDir, CHECKPOINT_FOLDER);
}

function sha256(pieces: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  return hash.digest('hex');
}

function generationNumber(name: string): number | undefined {
  const match = /^gen-(\d{6,})$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function readPointer(folder: string): PointerFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(folder, POINTER), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let pointer: unknown;
  try {
    pointer = JSON.parse(text);
  } catch {
    throw new Error(`${join(folder, POINTER)}: not valid JSON (the checkpoint pointer is damaged)`);
  }
  const p = pointer as { [K in keyof PointerFile]?: unknown };
  if (p.format !== POINTER_FORMAT || typeof p.generation !== 'string' || generationNumber(p.generation) === undefined || typeof p.files !== 'object' || p.files === null) {
    throw new Error(`${join(folder, POINTER)}: not a checkpoint pointer of format ${POINTER_FORMAT}`);
  }
  return p as PointerFile;
}

/** Writes a new checkpoint generation and switches latest.json to it; returns the generation's folder. */
export async function writeCheckpoint(
  outDir: string,
  network: Network,
  metadata: ModelMetadata,
  optimizer: OptimizerState,
  state: TrainingState,
): Promise<string> {
  const folder = checkpointFolder(outDir);
  mkdirSync(folder, { recursive: true });
  const current = readPointerOrNothing(folder);
  removeGenerations(folder, current?.generation);
  const numbers = readdirSync(folder).map(generationNumber).filter((n): n is number => n !== undefined);
  const next = Math.max(0, ...numbers) + 1;
  const generation = `gen-${String(next).padStart(6, '0')}`;
  const genFolder = join(folder, generation);
  mkdirSync(genFolder);

  const stateWithScalars: TrainingState = { ...state, optimizerScalars: optimizer.scalars };
  const configText = `${JSON.stringify(configToWrite(network, metadata), null, 2)}\n`;
  const contents: Record<string, Uint8Array[]> = {
    [FILES.weights]: encodeSafetensors(networkToTensors(network), { format: 'revnet-inspector', model: network.config.name, [CONFIG_HASH_KEY]: configHash(configText) }),
    [FILES.optimizer]: encodeSafetensors(optimizer.tensors, { format: 'revnet-inspector-optimizer' }),
    [FILES.config]: [Buffer.from(configText, 'utf8')],
    [FILES.state]: [Buffer.from(`${JSON.stringify(stateWithScalars, null, 2)}\n`, 'utf8')],
  };
  const files: PointerFile['files'] = {};
  for (const [name, pieces] of Object.entries(contents)) {
    await writeFileAtomic(join(genFolder, name), pieces);
    files[name] = { bytes: pieces.reduce((sum, piece) => sum + piece.byteLength, 0), sha256: sha256(pieces) };
  }
  fsyncFolderSync(genFolder);
  fsyncFolderSync(folder);
  const pointer: PointerFile = { format: POINTER_FORMAT, generation, files };
  await writeFileAtomic(join(folder, POINTER), `${JSON.stringify(pointer, null, 2)}\n`);
  removeGenerations(folder, generation);
  return genFolder;
}

function readPointerOrNothing(folder: string): PointerFile | undefined {
  try {
    return readPointer(folder);
  } catch {
    return undefined;
  }
}

/** Removes every generation folder except `keep` (and leftover temporary files of the pointer). */
function removeGenerations(folder: string, keep: string | undefined): void {
  for (const name of readdirSync(folder)) {
    const isGeneration = generationNumber(name) !== undefined;
    const isTemporary = parseTemporaryName(name)?.target === POINTER;
    if ((isGeneration && name !== keep) || isTemporary) rmSync(join(folder, name), { recursive: true, force: true });
  }
}

/** Is there a checkpoint pointer in outDir (whole or not)? */
export function hasCheckpoint(outDir: string): boolean {
  return readPointerOrNothing(checkpointFolder(outDir)) !== undefined;
}

/** Reads the current checkpoint, refusing any file whose size or hash differs from the pointer's record. */
export function readCheckpoint(outDir: string): Checkpoint {
  const folder = checkpointFolder(outDir);
  const pointer = readPointer(folder);
  if (pointer === undefined) throw new Error(`${folder}: no checkpoint here (no ${POINTER})`);
  const genFolder = join(folder, pointer.generation);
  const bytes: Record<string, Buffer> = {};
  for (const name of Object.values(FILES)) {
    const record = pointer.files[name];
    const path = join(genFolder, name);
    if (record === undefined) throw new Error(`${join(folder, POINTER)}: does not list ${name}`);
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch {
      throw new Error(`${path}: missing from checkpoint ${pointer.generation}`);
    }
    if (content.byteLength !== record.bytes || sha256([content]) !== record.sha256) {
      throw new Error(`${path}: does not match the checkpoint's record (size or SHA-256 differ); the checkpoint is damaged`);
    }
    bytes[name] = content;
  }
  const configPath = join(genFolder, FILES.config);
  const config = parseConfig((bytes[FILES.config]).toString('utf8'), configPath);
  const weightsPath = join(genFolder, FILES.weights);
  const weights = parseSafetensors(bytes[FILES.weights], weightsPath);
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of weights.tensors) tensors.set(name, { shape: t.shape, data: t.data as Float32Array, dtype: t.dtype === 'F32' ? 'float32' : t.dtype });
  const optimizerFile = parseSafetensors(bytes[FILES.optimizer], join(genFolder, FILES.optimizer));
  const optimizerTensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of optimizerFile.tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${join(genFolder, FILES.optimizer)}: tensor "${name}" is ${t.dtype}, expected F32`);
    optimizerTensors.set(name, { shape: t.shape, data: t.data });
  }
  let stateValue: unknown;
  try {
    stateValue = JSON.parse((bytes[FILES.state]).toString('utf8'));
  } catch {
    throw new Error(`${join(genFolder, FILES.state)}: not valid JSON`);
  }
  const state = validateTrainingState(stateValue, join(genFolder, FILES.state));
  const network = networkFromTensors(config, tensors, weightsPath);
  return {
    generation: pointer.generation,
    folder: genFolder,
    config,
    network,
    optimizer: { tensors: optimizerTensors, scalars: state.optimizerScalars ?? {} },
    state,
  };
}

/** The model files of the current checkpoint generation (for a caller that wants to open them). */
export function checkpointModelPaths(outDir: string): { configPath: string; weightsPath: string } | undefined {
  const folder = checkpointFolder(outDir);
  const pointer = readPointerOrNothing(folder);
  if (pointer === undefined) return undefined;
  return { configPath: join(folder, pointer.generation, FILES.config), weightsPath: join(folder, pointer.generation, FILES.weights) };
}
