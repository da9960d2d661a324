// A model on disk: `NAME.revnet.json` (config, data normalisation, training metadata) beside
// `NAME.safetensors` (every parameter and BatchNorm running statistic, float32, names as in docs/model-files.md).
// Each file is written atomically (engine/io/atomicWrite.ts): a reader sees the old file or the whole new one.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite';
import { convertPyTorchStateDict } from '../io/pytorchLayout';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors';
import type { RevNetConfig, TrainingMetadata } from './config';
import { loadConfig } from './loadConfig';
import { describeArchitecture } from './architecture';
import { networkFromTensors, networkToTensors, type HostTensor, type RevNet } from './network';
import type { Network } from './network.types';

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
  if (metadata.training !== undefined) config.training = metadata.training;
  return config;
}

/** Writes the weights first, then the config, each atomically; returns both paths. */
export async function saveModel(dir: string, name: string, network: Network, metadata: ModelMetadata): Promise<ModelPaths> {
  const paths = modelPaths(dir, name);
  await writeSafetensors(paths.weightsPath, networkToTensors(network), { format: 'revnet-inspector', model: network.config.name });
  await writeFileAtomic(paths.configPath, `${JSON.stringify(configToWrite(network, metadata), null, 2)}\n`);
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
  const config = await loadConfig(configPath);
  const weights = weightsPath ?? defaultWeightsPath(configPath);
  if (!existsSync(weights)) throw new Error(`${weights}: no such file (the weights of ${configPath})`);
  const { tensors, note } = readWeights(config, weights);
  const network = networkFromTensors(config, tensors, weights);
  const loaded: LoadedModel = { config, network, configPath, weightsPath: weights };
  if (note !== undefined) loaded.note = note;
  return loaded;
}

/** The tensors of a weights file for a config, converted from PyTorch's layout when the file is in it. */
export function readWeights(config: RevNetConfig, weightsPath: string): { tensors: Map<string, HostTensor>; note?: string } {
  const file = readSafetensors(weightsPath);
  if (looksLikePyTorch(file.tensors)) {
    const trunkShape = describeArchitecture(config).trunkShape;
    const converted = convertPyTorchStateDict(file.tensors, {
      flattenFeatureShape: { height: trunkShape[0], width: trunkShape[1], channels: trunkShape[2] },
      hasHidden: config.head.hidden !== undefined,
    });
    if (converted.problems.length > 0) {
      throw new Error(`${weightsPath}: ${converted.problems.length} tensor(s) in PyTorch layout could not be converted:\n  ${converted.problems.join('\n  ')}`);
    }
    return { tensors: converted.tensors, note: `${weightsPath}: converted from PyTorch layout (OIHW -> HWIO, [out,in] -> [in,out], BatchNorm names)` };
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, tensor] of file.tensors) {
    const dtype = tensor.dtype === 'F32' ? 'float32' : tensor.dtype;
    // other dtypes are reported by networkFromTensors; their values are carried along only for the count
    const data =
      tensor.data instanceof Float32Array
        ? tensor.data
        : tensor.data instanceof BigInt64Array
          ? Float32Array.from(tensor.data, Number)
          : Float32Array.from(tensor.data);
    tensors.set(name, { shape: tensor.shape, data, dtype });
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
