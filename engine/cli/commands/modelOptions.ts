// The options that name a model, shared by `revnet forward` and `revnet invert`.
import { BACKEND_NAMES, isBackendName, type BackendName, type ModelRef } from '../../../protocol/engineApi';
import { PRESET_NAMES } from '../../model/presets';
import { existsSync } from 'node:fs';
import { defaultWeightsPath } from '../../model/saveLoad';
import { CliError, numberOption, stringOption, type OptionSpec, type ParsedArgs } from '../args';

export const modelOptions: Record<string, OptionSpec> = {
  model: { type: 'string', description: 'a model: NAME.revnet.json with its weights (NAME.safetensors beside it, or --weights); refused without weights unless --fresh' },
  fresh: { type: 'boolean', description: 'with --model: run a config that has no weights on fresh random weights (seed 0)' },
  scale: { type: 'string', description: 'multiply every input value by this (e.g. 1/255 for uint8 pixels); an integer .npy is refused without it' },
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
  const fresh = args.flags.get('fresh') === true;
  if (fresh && model === undefined) throw new CliError(`${command}: --fresh goes with --model (a preset always has fresh weights)`);
  if (preset !== undefined) return { preset, ...(seed !== undefined ? { seed } : {}) };
  const configPath = model as string;
  if (weights !== undefined) {
    if (fresh) throw new CliError(`${command}: --fresh contradicts --weights`);
    return { configPath, weightsPath: weights };
  }
  const beside = defaultWeightsPath(configPath);
  if (existsSync(beside)) {
    if (fresh) throw new CliError(`${command}: --fresh is for a config without weights, but ${beside} is beside ${configPath}; leave out --fresh to use it`);
    return { configPath };
  }
  if (!fresh) {
    throw new CliError(`${command}: ${configPath} has no weights beside it (no ${beside}); give --weights FILE, or --fresh to run it on fresh random weights (seed 0)`);
  }
  process.stderr.write(`revnet: ${command} runs ${configPath} on fresh random weights (seed 0): it has no weights\n`);
  return { configPath };
}

/** --scale: a number or a fraction such as 1/255; said on stderr when it applies */
export function scaleFrom(args: ParsedArgs, command: string): number | undefined {
  const text = stringOption(args, 'scale');
  if (text === undefined) return undefined;
  const match = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+))?\s*$/.exec(text);
  const denominator = match?.at(2);
  const value = match === null ? NaN : Number(match[1]) / (denominator === undefined ? 1 : Number(denominator));
  if (!Number.isFinite(value) || value <= 0) throw new CliError(`${command}: --scale must be a positive number or fraction such as 1/255, got "${text}"`);
  process.stderr.write(`revnet: ${command} multiplies every input value by ${value} (--scale ${text})\n`);
  return value;
}

export function backendFrom(args: ParsedArgs, command: string): BackendName {
  const backend = stringOption(args, 'backend') ?? 'auto';
  if (!isBackendName(backend)) throw new CliError(`${command}: --backend must be one of ${BACKEND_NAMES.join(', ')}, got "${backend}"`);
  return backend;
}

export function requiredOption(args: ParsedArgs, name: string, command: string): string {
  const value = stringOption(args, name);
  if (value === undefined) throw new CliError(`${command}: --${name} FILE is required; see "revnet ${command} --help"`);
  return value;
}
