// The options that name a model, shared by `revnet forward` and `revnet invert`.
import { isBackendName, type BackendName, type ModelRef } from '../../../protocol/engineApi';
import { PRESET_NAMES } from '../../model/presets';
import { CliError, numberOption, stringOption, type OptionSpec, type ParsedArgs } from '../args';

export const modelOptions: Record<string, OptionSpec> = {
  model: { type: 'string', description: 'a model: NAME.revnet.json with its weights (NAME.safetensors beside it, else fresh weights from seed 0)' },
  weights: { type: 'string', description: 'with --model: the .safetensors file, if not beside the config' },
  preset: { type: 'string', description: `instead of --model, a preset with fresh seeded weights: ${PRESET_NAMES.join(', ')}` },
  seed: { type: 'string', description: 'with --preset: seed of the fresh weights (default 0)' },
  backend: { type: 'string', description: 'auto (default), tensorflow, wasm or cpu' },
};

export function modelRefFrom(args: ParsedArgs, command: string): ModelRef {
  const model = stringOption(args, 'model');
  const preset = stringOption(args, 'preset');
  const weights = stringOption(args, 'weights');
  const seed = numberOption(args, 'seed', command);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new CliError(`${command}: --seed must be an integer ≥ 0, got ${seed}`);
  if ((model === undefined) === (preset === undefined)) throw new CliError(`${command}: give exactly one of --model FILE or --preset P`);
  if (weights !== undefined && model === undefined) throw new CliError(`${command}: --weights goes with --model`);
  if (seed !== undefined && preset === undefined) throw new CliError(`${command}: --seed goes with --preset`);
  if (preset !== undefined) return { preset, ...(seed !== undefined ? { seed } : {}) };
  return { configPath: model as string, ...(weights !== undefined ? { weightsPath: weights } : {}) };
}

export function backendFrom(args: ParsedArgs, command: string): BackendName {
  const backend = stringOption(args, 'backend') ?? 'auto';
  if (!isBackendName(backend)) throw new CliError(`${command}: --backend must be auto, tensorflow, wasm or cpu, got "${backend}"`);
  return backend;
}

export function requiredOption(args: ParsedArgs, name: string, command: string): string {
  const value = stringOption(args, name);
  if (value === undefined) throw new CliError(`${command}: --${name} FILE is required; see "revnet ${command} --help"`);
  return value;
}
