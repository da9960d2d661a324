// `revnet inspect`: per-block reconstruction error, gradient fidelity and memory of a model on one batch,
// with the measured peak bytes and step times of both training modes (docs/inspect-json.md).
import { BACKEND_NAMES, isBackendName, type DataSpec, type ModelRef } from '../../../protocol/engineApi';
import type { StabilityParams } from '../../../protocol/stabilityReport';
import { initBackend } from '../../backend';
import { DEFAULT_INSPECT_BATCH, inspectResolved } from '../../inspect/inspectModel';
import { formatReport } from '../../inspect/reportTable';
import { writeFileAtomic } from '../../io/atomicWrite';
import { checkReportTarget } from '../../io/overwriteGuard';
import { resolveModel } from '../../model/resolveModel';
import { loadConfig } from '../../model/loadConfig';
import { PRESET_NAMES, presetConfig } from '../../model/presets';
import { DEFAULT_STABILITY_BATCH } from '../../stability/measureStability';
import { formatStability } from '../../stability/stabilityTable';
import { DATA_SPEC_HELP, parseDataSpec } from '../../train/parseDataSpec';
import { memoryLimitFrom, memoryLimitOption } from '../memoryLimitOption';
import { threadsFrom, threadsOption } from '../threadsOption';
import { checkThreads } from '../../parallel/threadCount';
import { CliError, helpText, numberOption, parseArgs, stringOption, type OptionSpec } from '../args';
import { checkModelFits } from '../../limits/estimates';
import { resolveMemoryLimit } from '../../limits/memoryLimit';

const summary = 'per-block reconstruction error, gradient fidelity, memory and step times of a model';

const options: Record<string, OptionSpec> = {
  preset: { type: 'string', description: `a preset with fresh seeded weights: ${PRESET_NAMES.join(', ')}` },
  seed: { type: 'string', description: 'seed of fresh weights and random data (default 0)' },
  config: { type: 'string', description: 'a NAME.revnet.json config, fresh seeded weights' },
  model: { type: 'string', description: 'a trained model: NAME.revnet.json with NAME.safetensors beside it' },
  weights: { type: 'string', description: 'with --model: the .safetensors file, if not beside the config' },
  data: { type: 'string', description: `the batch's data (default: built-in digits for 28x28x1 models, else random): ${DATA_SPEC_HELP}` },
  batch: { type: 'string', description: `batch size (default ${DEFAULT_INSPECT_BATCH})` },
  reconstruction: { type: 'string', description: 'BatchNorm mode of the reconstruction errors: training (default; batch statistics, as the backward pass) or inference (running statistics)' },
  backend: { type: 'string', description: 'auto (default), tensorflow, wasm or cpu' },
  'memory-limit': memoryLimitOption,
  threads: threadsOption,
  stability: { type: 'boolean', description: 'also measure forward and inverse Lipschitz constants, predicted against measured chain error, and out-of-distribution reconstruction (costly: see docs/stability.md)' },
  'stability-batch': { type: 'string', description: `with --stability: examples used, the first of the batch (default ${DEFAULT_STABILITY_BATCH})` },
  reference: { type: 'string', description: 'float64: also rebuild every unit\'s input in float64 plain loops (implies --stability; small batches)' },
  json: { type: 'boolean', description: 'print the report as JSON (docs/inspect-json.md)' },
  out: { type: 'string', description: 'also write the JSON report to this file (never over a model file)' },
  force: { type: 'boolean', description: 'with --out: replace an existing file' },
  quiet: { type: 'boolean', description: 'no progress lines on stderr' },
  help: { type: 'boolean', description: 'show this help' },
};

function integerOption(value: number | undefined, name: string, min: number): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) throw new CliError(`inspect: --${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, options, 'inspect');
  if (args.flags.get('help')) {
    process.stdout.write(helpText('inspect', summary, options));
    return 0;
  }
  if (args.positionals.length > 0) throw new CliError(`inspect: unexpected argument "${args.positionals[0]}"; see "revnet inspect --help"`);
  const preset = stringOption(args, 'preset');
  const config = stringOption(args, 'config');
  const model = stringOption(args, 'model');
  const given = [preset, config, model].filter((value) => value !== undefined).length;
  if (given !== 1) throw new CliError('inspect: give exactly one of --preset P, --config FILE or --model FILE');
  const weights = stringOption(args, 'weights');
  if (weights !== undefined && model === undefined) throw new CliError('inspect: --weights goes with --model');
  const seed = integerOption(numberOption(args, 'seed', 'inspect'), 'seed', 0);
  const batchSize = integerOption(numberOption(args, 'batch', 'inspect'), 'batch', 1);
  const backend = stringOption(args, 'backend') ?? 'auto';
  if (!isBackendName(backend)) throw new CliError(`inspect: --backend must be one of ${BACKEND_NAMES.join(', ')}, got "${backend}"`);
  const reconstructionMode = stringOption(args, 'reconstruction');
  if (reconstructionMode !== undefined && reconstructionMode !== 'training' && reconstructionMode !== 'inference') {
    throw new CliError(`inspect: --reconstruction must be training or inference, got "${reconstructionMode}"`);
  }
  let data: DataSpec | undefined;
  const dataText = stringOption(args, 'data');
  if (dataText !== undefined) {
    try {
      data = parseDataSpec(dataText);
    } catch (error) {
      throw new CliError(`inspect: ${(error as Error).message}`);
    }
  }
  const memoryLimitBytes = memoryLimitFrom(args, 'inspect');
  const threads = checkThreads(threadsFrom(args, 'inspect'));
  const reference = stringOption(args, 'reference');
  if (reference !== undefined && reference !== 'float64') throw new CliError(`inspect: --reference must be float64, got "${reference}"`);
  const stabilityBatch = integerOption(numberOption(args, 'stability-batch', 'inspect'), 'stability-batch', 1);
  const stability: StabilityParams | undefined =
    args.flags.get('stability') === true || reference !== undefined || stabilityBatch !== undefined
      ? { ...(stabilityBatch !== undefined ? { batchSize: stabilityBatch } : {}), ...(reference !== undefined ? { float64: true } : {}) }
      : undefined;
  const json = args.flags.get('json') === true;
  const quiet = args.flags.get('quiet') === true;
  const out = stringOption(args, 'out');
  if (out !== undefined) {
    try {
      checkReportTarget(out, args.flags.get('force') === true);
    } catch (error) {
      throw new CliError(`inspect: --out ${(error as Error).message}`);
    }
  }

  // bad model names and files are reported before the backend starts
  if (preset !== undefined) {
    try {
      presetConfig(preset);
    } catch (error) {
      throw new CliError(`inspect: ${(error as Error).message}`);
    }
  } else {
    await loadConfig((config ?? model) as string);
  }
  const choice = await initBackend(backend);
  if (choice.note !== undefined && !quiet) process.stderr.write(`revnet: ${choice.note}\n`);
  const ref: ModelRef = preset !== undefined ? { preset, ...(seed !== undefined ? { seed } : {}) } : model !== undefined ? { configPath: model, ...(weights !== undefined ? { weightsPath: weights } : {}) } : { configPath: config as string };
  const beforeBuild = checkModelFits(resolveMemoryLimit(memoryLimitBytes), 'inspecting');
  const resolved = await resolveModel(ref, { weights: config !== undefined ? 'fresh' : 'auto', beforeBuild, ...(seed !== undefined ? { seed } : {}) });
  if (model !== undefined && resolved.weightsPath === undefined) {
    resolved.network.dispose();
    throw new CliError(`inspect: ${model} has no weights beside it; give --weights FILE, or use --config for fresh weights`);
  }
  if (resolved.note !== undefined && !quiet) process.stderr.write(`revnet: ${resolved.note}\n`);
  const started = performance.now();
  let report;
  try {
    report = await inspectResolved(
      resolved,
      {
        ...(data !== undefined ? { data } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(reconstructionMode !== undefined ? { reconstructionMode } : {}),
        ...(memoryLimitBytes !== undefined ? { memoryLimitBytes } : {}),
        ...(stability !== undefined ? { stability } : {}),
        threads,
        ...(quiet ? {} : { onPhase: (phase: string) => process.stderr.write(`revnet inspect: ${phase} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`) }),
      },
      { cancelled: false },
    );
  } finally {
    resolved.network.dispose();
  }
  if (!quiet) process.stderr.write(`revnet inspect: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  const text = `${JSON.stringify(report, null, json ? 2 : undefined)}\n`;
  if (out !== undefined) await writeFileAtomic(out, text);
  const stabilityText = report.stability !== undefined ? `\n${formatStability(report.stability)}\n` : '';
  process.stdout.write(json ? text : `${formatReport(report)}\n${stabilityText}`);
  return 0;
}

export const command = { summary, run };
