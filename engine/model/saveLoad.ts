// A model on disk: `NAME.revnet.json` (config, data normalisation, training metadata) beside
// `NAME.safetensors` (every parameter and BatchNorm running statistic, float32, names as in docs/model-files.md).
// Each file is written atomically (engine/io/atomicWrite.ts): a reader sees the old file or the whole new one.
// The two are a pair: the weights' `__metadata__.configSha256` is the hash of the config they were saved with
// (modelPair.ts), so new weights beside an old config (or the reverse) are refused, never loaded as a mix.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncFolderSync, writeFileAtomic } from '../io/atomicWrite';
import { readSafetensors, writeSafetensors, type SafetensorsFile, type Tensor } from '../io/safetensors';
import { toFloat32 } from '../io/typedArrays';
import type { RevNetConfig, TrainingMetadata } from './config';
import { loadConfig, parseConfig } from './loadConfig';
import { checkPair, configHash, CONFIG_HASH_KEY, pendingConfigPath } from './modelPair';
import { describeArchitecture } from './architecture';
import { convertMapped } from '../import/convertMapped';
import { conventionHint } from '../import/conventionHint';
import { mapByRules } from '../import/mapping';
import { torchTargets } from '../import/torchTargets';
import { networkFromTensors, networkToTensors, type HostTensor, type RevNet } from './network';
import type { Network } from './network.types';
import { rebasedSchema } from './schemaReference';

export const CONFIG_SUFFIX = '.revnet.json';
export const WEIGHTS_SUFFIX = '.safetensors';

export interface ModelMetadata {
  normalization?: { mean: number[]; std: number[] };
  training?: TrainingMetadata;
}

export interface ModelPaths {
  configPath: string;
  weightsPath: string;
}

export function modelPaths(dir: string, name: string): ModelPaths {
  return { configPath: join(dir, `${name}${CONFIG_SUFFIX}`), weightsPath: join(dir, `${name}${WEIGHTS_SUFFIX}`) };
}

/** `dir/model.revnet.json` -> `dir/model.safetensors` */
export function defaultWeightsPath(configPath: string): string {
  const name = basename(configPath);
  const base = name.endsWith(CONFIG_SUFFIX) ? name.slice(0, -CONFIG_SUFFIX.length) : name.replace(/\.json$/, '');
  return join(dirname(configPath), `${base}${WEIGHTS_SUFFIX}`);
}

/** The config as written: the network's config with the given normalisation and training metadata. */
export function configToWrite(network: Network, metadata: ModelMetadata): RevNetConfig {
  const config: RevNetConfig = structuredClone(network.config);
  delete config.normalization;
  delete config.training;
  if (metadata.normalization !== undefined) config.normalization = metadata.normalization;
  if (metadata.training !== undefined) {
    config.training = metadata.training;
    // the import's check described the imported weights, not trained ones
    delete config.imported;
  }
  return config;
}

/** Points a test can stop a save at (to kill the process there). */
export interface SaveHooks {
  afterWeights?: () => void;
}

/**
 * Writes the pair so that a kill at any moment leaves the old pair or the new pair loadable:
 * 1. the new config to `.NAME.revnet.json.pending` (atomically): the journal;
 * 2. the weights (atomically), recording the new config's hash;
 * 3. the config (atomically), then the journal removed.
 * A kill before 2's rename leaves the old pair (the journal's hash fits neither file, so it is ignored);
 * a kill after it leaves new weights, the old config and the journal, which loadModel completes (modelPair.ts).
 */
export async function saveModel(dir: string, name: string, network: Network, metadata: ModelMetadata, hooks: SaveHooks = {}): Promise<ModelPaths> {
  const paths = modelPaths(dir, name);
  const config = configToWrite(network, metadata);
  const schema = rebasedSchema(config.$schema, paths.configPath);
  if (schema === undefined) delete config.$schema;
  else config.$schema = schema;
  const configText = `${JSON.stringify(config, null, 2)}\n`;
  const pending = pendingConfigPath(paths.configPath);
  await writeFileAtomic(pending, configText);
  await writeSafetensors(paths.weightsPath, networkToTensors(network), {
    format: 'revnet-inspector',
    model: network.config.name,
    [CONFIG_HASH_KEY]: configHash(configText),
  });
  hooks.afterWeights?.();
  await writeFileAtomic(paths.configPath, configText);
  await rm(pending, { force: true });
  fsyncFolderSync(dir);
  return paths;
}

export interface LoadedModel extends ModelPaths {
  config: RevNetConfig;
  network: RevNet;
  /** said when the weights were converted from PyTorch's layout */
  note?: string;
}

/** Reads a model's config and its weights (default: the same base name), checking every tensor's name, shape and dtype. */
export async function loadModel(configPath: string, weightsPath?: string): Promise<LoadedModel> {
  let config = await loadConfig(configPath);
  const weights = weightsPath ?? defaultWeightsPath(configPath);
  if (!existsSync(weights)) throw new Error(`${weights}: no such file (the weights of ${configPath})`);
  const file = readSafetensors(weights);
  const pair = await checkPair(configPath, await readFile(configPath, 'utf8'), weights, file.metadata);
  if (pair.configText !== undefined) config = parseConfig(pair.configText, configPath);
  const { tensors, note } = weightsOf(config, file, weights);
  const network = networkFromTensors(config, tensors, weights);
  const loaded: LoadedModel = { config, network, configPath, weightsPath: weights };
  const notes = [pair.note, note].filter((n): n is string => n !== undefined);
  if (notes.length > 0) loaded.note = notes.join('\n');
  return loaded;
}

/** The tensors of a weights file for a config, converted from PyTorch's layout when the file is in it. */
export function readWeights(config: RevNetConfig, weightsPath: string): { tensors: Map<string, HostTensor>; note?: string } {
  return weightsOf(config, readSafetensors(weightsPath), weightsPath);
}

function weightsOf(config: RevNetConfig, file: SafetensorsFile, weightsPath: string): { tensors: Map<string, HostTensor>; note?: string } {
  if (looksLikePyTorch(file.tensors)) {
    // PyTorch names of this project's modules: mapped one to one, so that every problem names the file's
    // tensors with their shapes in PyTorch's layout (as `revnet import` does)
    const sources = [...file.tensors].map(([name, tensor]) => ({ name, tensor }));
    const weightCount = sources.filter((s) => !s.name.endsWith('num_batches_tracked')).length;
    const identity = [{ from: /^(?:(.*))$/, to: '$1' }];
    const mapping = mapByRules(sources, torchTargets(config), identity, weightsPath, conventionHint(config, weightCount));
    return { tensors: convertMapped(mapping, describeArchitecture(config)), note: `${weightsPath}: converted from PyTorch layout (OIHW -> HWIO, [out,in] -> [in,out], BatchNorm names)` };
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, tensor] of file.tensors) {
    const dtype = tensor.dtype === 'F32' ? 'float32' : tensor.dtype;
    // other dtypes are reported by networkFromTensors; their values are carried along only for the count
    tensors.set(name, { shape: tensor.shape, data: toFloat32(tensor.data), dtype });
  }
  return { tensors };
}

/** PyTorch's BatchNorm names give a state_dict away; ours never use them. */
function looksLikePyTorch(tensors: Map<string, Tensor>): boolean {
  for (const name of tensors.keys()) {
    if (/\.(running_mean|running_var|num_batches_tracked)$/.test(name)) return true;
  }
  return false;
}
