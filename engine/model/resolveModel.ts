// A ModelRef (protocol/engineApi.ts) made into a network: a preset or a config with fresh seeded weights,
// or a config with its trained weights (the given .safetensors, else the one beside the config, if any).
import { existsSync } from 'node:fs';
import type { ModelRef } from '../../protocol/engineApi';
import type { RevNetConfig } from './config';
import { loadConfig } from './loadConfig';
import { defaultWeightsPath, loadModel } from './saveLoad';
import { buildNetwork, type RevNet } from './network';
import { presetConfig } from './presets';
import { withDefaults } from './validateConfig';

export interface ResolvedModel {
  network: RevNet;
  config: RevNetConfig;
  configPath?: string;
  weightsPath?: string;
  preset?: string;
  /** the seed of fresh weights */
  seed?: number;
  /** e.g. a PyTorch-layout conversion note from the weights reader */
  note?: string;
}

export interface ResolveOptions {
  /** "fresh": seeded weights even when a weights file sits beside the config; "auto" (default): load it when present */
  weights?: 'fresh' | 'auto';
  /** seed of fresh weights when the ref does not carry one (default 0) */
  seed?: number;
  /** called with the config before any tensor of the network is allocated: the memory limit's check */
  beforeBuild?: (config: RevNetConfig) => void;
}

/** The caller owns (and disposes) the returned network. */
export async function resolveModel(ref: ModelRef, options: ResolveOptions = {}): Promise<ResolvedModel> {
  if ('preset' in ref) {
    let config: RevNetConfig;
    try {
      config = withDefaults(presetConfig(ref.preset));
    } catch (error) {
      throw new Error(error instanceof Error ? error.message : String(error));
    }
    const seed = ref.seed ?? options.seed ?? 0;
    options.beforeBuild?.(config);
    return { network: buildNetwork(config, seed), config, preset: ref.preset, seed };
  }
  const weightsPath = ref.weightsPath ?? (options.weights !== 'fresh' && existsSync(defaultWeightsPath(ref.configPath)) ? defaultWeightsPath(ref.configPath) : undefined);
  if (weightsPath !== undefined) {
    if (options.beforeBuild !== undefined) options.beforeBuild(await loadConfig(ref.configPath));
    const loaded = await loadModel(ref.configPath, weightsPath);
    const resolved: ResolvedModel = { network: loaded.network, config: loaded.config, configPath: loaded.configPath, weightsPath: loaded.weightsPath };
    if (loaded.note !== undefined) resolved.note = loaded.note;
    return resolved;
  }
  const config = await loadConfig(ref.configPath);
  const seed = options.seed ?? 0;
  options.beforeBuild?.(config);
  return { network: buildNetwork(config, seed), config, configPath: ref.configPath, seed };
}
