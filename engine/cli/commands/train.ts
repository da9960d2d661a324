// `revnet train`: trains a model on a data set and writes NAME.revnet.json + NAME.safetensors into --out,
// with checkpoints in --out/checkpoint/ (after every epoch and on Ctrl-C) that `--resume DIR` continues.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES, isBackendName, type ModelRef, type TrainParams, type TrainResult } from '../../../protocol/engineApi';
import { backendLabel, initBackend } from '../../backend';
import { PRESET_NAMES } from '../../model/presets';
import { DATA_SPEC_HELP, parseDataSpec } from '../../train/parseDataSpec';
import { parseDrops } from '../../train/schedule';
import { parseAugmentation } from '../../train/augment';
import { trainingDefaults } from '../../train/defaults';
import { trainingDefaultsForModel } from '../../train/modelTrainingDefaults';
import { memoryLimitFrom, memoryLimitOption } from '../memoryLimitOption';
import { threadsFrom, threadsOption } from '../threadsOption';
import { CliError, helpText, numberOption, parseArgs, stringOption, type OptionSpec } from '../args';
import { ProgressBar } from '../progressBar';
import { formatPercent } from '../../../shared/format';
import { boundedMessage } from '../../../protocol/boundedMessage';
import type { TrainDependencies } from '../../train/trainModel';

const summary = 'train a model (preset or config) on a data set; writes the model files and checkpoints into --out';

const options: Record<string, OptionSpec> = {
  preset: { type: 'string', description: `a built-in model: ${PRESET_NAMES.join(', ')}` },
  config: { type: 'string', description: 'a model file NAME.revnet.json (instead of --preset)' },
  data: { type: 'string', description: `the data (default: "default", the built-in digits for 28x28x1 models, else random images): ${DATA_SPEC_HELP}` },
  epochs: { type: 'string', description: 'epochs to train (default: the preset\'s, else 10)' },
  batch: { type: 'string', description: 'examples per step (default: the preset\'s, else 64)' },
  out: { type: 'string', description: 'output folder: the model files, checkpoint/ and inspect.json' },
  mode: { type: 'string', description: 'backward pass: reversible (default; recomputes activations) or standard' },
  optimizer: { type: 'string', description: 'sgd (momentum, weight decay, step schedule) or adam (default: the preset\'s, else sgd)' },
  lr: { type: 'string', description: 'learning rate (default: the preset\'s; sgd 0.1, adam 0.001)' },
  'lr-drops': { type: 'string', description: 'epochs after which the learning rate is multiplied by 0.1, e.g. 30,45' },
  momentum: { type: 'string', description: 'SGD momentum (default 0.9)' },
  'weight-decay': { type: 'string', description: 'L2 weight decay on conv and dense kernels (default: sgd 1e-4, adam 0)' },
  seed: { type: 'string', description: 'seed of the initial weights and the shuffling (default 0)' },
  steps: { type: 'string', description: 'stop after N steps in total' },
  shuffle: { type: 'boolean', description: 'shuffle the training data every epoch (default; --no-shuffle keeps file order)' },
  augment: { type: 'string', description: 'move the training images at random: shift=N (up to N pixels each way), flip (left-right mirroring), both (shift=4,flip: the paper\'s CIFAR crops), or none (default: the preset\'s, shift=2 for mnist-small, else none)' },
  init: { type: 'string', description: 'start from these weights (.safetensors for the model) instead of seeded ones' },
  resume: { type: 'string', description: 'continue the run whose output folder is DIR from its checkpoint (--out defaults to DIR)' },
  'checkpoint-every': { type: 'string', description: 'also write a checkpoint every N steps' },
  'stability-every': { type: 'string', description: 'track per-block reconstruction error, inverse Lipschitz and gradient agreement into OUT/stability.jsonl every N steps (default: 4 times per epoch; 0: off)' },
  'stability-threshold': { type: 'string', description: 'max |Δ| above which the tracking prints a line, once per block (default 1e-4)' },
  'stability-reg': { type: 'string', description: 'λ of the bi-directional finite-difference bi-Lipschitz regularizer on every reversible unit (docs/stability.md; default 0: off)' },
  backend: { type: 'string', description: `TensorFlow.js backend: ${BACKEND_NAMES.join(', ')} (default auto)` },
  'memory-limit': memoryLimitOption,
  threads: threadsOption,
  force: { type: 'boolean', description: 'replace a model or checkpoint already in --out (otherwise the run is refused)' },
  'no-inspect': { type: 'boolean', description: 'do not write inspect.json beside the model' },
  json: { type: 'boolean', description: 'print the result as JSON on stdout (progress goes to stderr)' },
  help: { type: 'boolean', description: 'show this help' },
};

const examples = `
examples:
  revnet train --preset mnist-small --data mnist --out out/mnist-small
  revnet train --config my.revnet.json --data idx:images=train-images-idx3-ubyte.gz,labels=train-labels-idx1-ubyte.gz --epochs 10 --batch 128 --out out/my
  revnet train --resume out/my            (after Ctrl-C or a crash: continues from out/my/checkpoint)
Ctrl-C (or SIGTERM) stops after the current step and writes a checkpoint; a second Ctrl-C quits at once
(the last complete checkpoint stays). Ctrl-C while the data loads stops the run before its first step (nothing
trained, no checkpoint written). Exit codes: 0 finished, 130 stopped by Ctrl-C (SIGINT), 143 stopped by
SIGTERM, 3 diverged, 2 bad arguments, 1 other errors.
`;

function integer(args: ReturnType<typeof parseArgs>, name: string): number | undefined {
  const value = numberOption(args, name, 'train');
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new CliError(`train: --${name} must be a whole number, got ${value}`);
  return value;
}

async function buildParams(args: ReturnType<typeof parseArgs>): Promise<TrainParams> {
  const resume = stringOption(args, 'resume');
  const preset = stringOption(args, 'preset');
  const config = stringOption(args, 'config');
  const out = stringOption(args, 'out') ?? resume;
  if (out === undefined) throw new CliError('train: --out DIR is required (the folder for the model files and checkpoints)');
  let model: ModelRef;
  if (resume !== undefined) {
    if (!existsSync(join(resume, 'checkpoint'))) throw new CliError(`train: --resume ${resume}: no checkpoint folder there (${join(resume, 'checkpoint')})`);
    model = { preset: 'resumed' };
  } else if (preset !== undefined && config !== undefined) {
    throw new CliError('train: give --preset or --config, not both');
  } else if (preset !== undefined) {
    model = { preset };
  } else if (config !== undefined) {
    model = { configPath: config };
  } else {
    throw new CliError(`train: --preset P (one of ${PRESET_NAMES.join(', ')}) or --config FILE is required`);
  }
  // the same defaults as the editor's Train Model…: the preset's, also for a config named after a preset
  const defaults = resume !== undefined ? trainingDefaults(undefined) : await trainingDefaultsForModel(model);
  const dataText = stringOption(args, 'data');
  // the same rule as the editor's: without --data the engine picks by the model's input (engine/data/defaultData.ts)
  let data: TrainParams['data'] = { kind: 'default' };
  if (dataText !== undefined) {
    try {
      data = parseDataSpec(dataText);
    } catch (error) {
      throw new CliError(`train: ${(error as Error).message}`);
    }
  }
  const optimizer = stringOption(args, 'optimizer') ?? defaults.optimizer;
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new CliError(`train: --optimizer must be sgd or adam, got "${optimizer}"`);
  const mode = stringOption(args, 'mode') ?? 'reversible';
  if (mode !== 'reversible' && mode !== 'standard') throw new CliError(`train: --mode must be reversible or standard, got "${mode}"`);
  const epochs = integer(args, 'epochs');
  const params: TrainParams = {
    model,
    data,
    // on --resume, 0 keeps the checkpoint's epochs
    epochs: epochs ?? (resume !== undefined ? 0 : defaults.epochs),
    batchSize: integer(args, 'batch') ?? defaults.batchSize,
    outDir: out,
    mode,
    optimizer,
    shuffle: args.flags.get('shuffle') ?? true,
  };
  const memoryLimitBytes = memoryLimitFrom(args, 'train');
  if (memoryLimitBytes !== undefined) params.memoryLimitBytes = memoryLimitBytes;
  const threads = threadsFrom(args, 'train');
  if (threads !== undefined) params.threads = threads;
  const lr = numberOption(args, 'lr', 'train');
  if (lr !== undefined) params.learningRate = lr;
  else if (optimizer === defaults.optimizer) params.learningRate = defaults.learningRate;
  const drops = stringOption(args, 'lr-drops');
  try {
    if (drops !== undefined) params.lrDrops = parseDrops(drops, '--lr-drops');
    else if (optimizer === defaults.optimizer) params.lrDrops = defaults.lrDrops;
  } catch (error) {
    throw new CliError(`train: ${(error as Error).message}`);
  }
  const momentum = numberOption(args, 'momentum', 'train');
  if (momentum !== undefined) params.momentum = momentum;
  const weightDecay = numberOption(args, 'weight-decay', 'train');
  if (weightDecay !== undefined) params.weightDecay = weightDecay;
  const seed = integer(args, 'seed');
  if (seed !== undefined) params.seed = seed;
  const steps = integer(args, 'steps');
  if (steps !== undefined) params.steps = steps;
  const every = integer(args, 'checkpoint-every');
  if (every !== undefined) params.checkpointEvery = every;
  const stabilityEvery = numberOption(args, 'stability-every', 'train');
  if (stabilityEvery !== undefined) {
    if (!Number.isSafeInteger(stabilityEvery) || stabilityEvery < 0) throw new CliError(`train: --stability-every must be a whole number ≥ 0, got ${stabilityEvery}`);
    params.stabilityEvery = stabilityEvery;
  }
  const stabilityThreshold = numberOption(args, 'stability-threshold', 'train');
  if (stabilityThreshold !== undefined) {
    if (!(stabilityThreshold >= 0)) throw new CliError(`train: --stability-threshold must be a number ≥ 0, got ${stabilityThreshold}`);
    params.stabilityThreshold = stabilityThreshold;
  }
  const stabilityReg = numberOption(args, 'stability-reg', 'train');
  if (stabilityReg !== undefined) {
    if (!(stabilityReg >= 0) || !Number.isFinite(stabilityReg)) throw new CliError(`train: --stability-reg must be a number ≥ 0, got ${stabilityReg}`);
    params.stabilityReg = stabilityReg;
  }
  const augment = stringOption(args, 'augment');
  try {
    if (augment !== undefined) params.augment = parseAugmentation(augment);
    else if (defaults.augment !== undefined) params.augment = defaults.augment;
  } catch (error) {
    throw new CliError(`train: ${(error as Error).message}`);
  }
  const init = stringOption(args, 'init');
  if (init !== undefined) params.initWeights = init;
  if (resume !== undefined) params.resumeFrom = resume;
  if (args.flags.get('force') === true) params.force = true;
  return params;
}

/** Writes the inspection report (engine/inspect) of the trained model as inspect.json beside it. */
async function writeInspection(result: TrainResult, data: TrainParams['data'] | undefined, log: (line: string) => void): Promise<void> {
  const { inspectModel } = await import('../../inspect/inspectModel');
  const { writeFileAtomic } = await import('../../io/atomicWrite');
  const report = await inspectModel({ model: { configPath: result.configPath, weightsPath: result.weightsPath }, data }, { cancelled: false });
  const path = join(result.outDir, 'inspect.json');
  await writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  log(`inspection report: ${path}`);
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, options, 'train');
  if (args.flags.get('help')) {
    process.stdout.write(helpText('train', summary, options) + examples);
    return 0;
  }
  if (args.positionals.length > 0) throw new CliError(`train: unexpected argument "${args.positionals[0]}"; see "revnet train --help"`);
  const json = args.flags.get('json') === true;
  const params = await buildParams(args);
  // a bad model file (e.g. a name too long for the model's file names) is reported before the backend starts
  if ('configPath' in params.model) {
    const { loadConfig } = await import('../../model/loadConfig');
    await loadConfig(params.model.configPath);
  }
  const backendName = stringOption(args, 'backend') ?? 'auto';
  if (!isBackendName(backendName)) throw new CliError(`train: --backend must be one of ${BACKEND_NAMES.join(', ')}, got "${backendName}"`);
  const backend = await initBackend(backendName);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (backend.note !== undefined) log(backend.note);

  const display = new ProgressBar(json ? process.stderr : process.stdout);
  const cancel = { cancelled: false };
  let stopSignal: NodeJS.Signals | undefined;
  let loadingData = false;
  const onInterrupt = (signal: NodeJS.Signals) => {
    // the second signal quits at once: checkpoints are switched by one rename, so the last complete one stays
    if (stopSignal !== undefined) process.exit(signalExitCode(signal));
    stopSignal = signal;
    cancel.cancelled = true;
    display.closeLine();
    if (loadingData) log(`${signal}: stopping the data load; nothing was trained yet (Ctrl-C again to quit at once)`);
    else log(`${signal}: stopping after the current step and writing a checkpoint (Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const started = Date.now();
  let result: TrainResult;
  try {
    const { defaultTrainDependencies, describeData, trainModel } = await import('../../train/trainModel');
    // a large data set takes a while to load: say what is happening (Ctrl-C during the load stops the run too)
    const loadData: TrainDependencies['loadData'] = async (spec, loadOptions, stop) => {
      loadingData = true;
      log(`loading the training data: ${describeData(spec)}`);
      try {
        return await defaultTrainDependencies.loadData(spec, loadOptions, stop);
      } finally {
        loadingData = false;
      }
    };
    result = await trainModel(params, (event) => display.update(event), cancel, { loadData });
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    display.closeLine();
  }
  const seconds = (Date.now() - started) / 1000;
  if (result.status === 'finished' && !args.flags.get('no-inspect')) {
    try {
      // a resumed run's data is the checkpoint's, not known here: the inspection then uses its own default
      await writeInspection(result, params.resumeFrom === undefined ? params.data : undefined, log);
    } catch (error) {
      log(`inspect.json not written: ${boundedMessage(error instanceof Error ? error.message : String(error))}`);
    }
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, seconds, backend: backend.name }, null, 2)}\n`);
  } else {
    const accuracy = result.testAccuracy === undefined ? '' : `, test accuracy ${formatPercent(result.testAccuracy)}`;
    const where = `${backendLabel(backend)}${result.threads !== undefined && result.threads > 1 ? ` (${result.threads} threads)` : ''}`;
    if (result.status === 'cancelled') {
      process.stdout.write(`${result.message ?? `stopped at step ${result.steps}`} after ${seconds.toFixed(1)} s on ${where}\n`);
    } else {
      process.stdout.write(`${result.status} after ${result.steps} steps (${result.epochs} epochs) in ${seconds.toFixed(1)} s on ${where}${accuracy}\n`);
      if (result.message !== undefined) process.stdout.write(`${result.message}\n`);
    }
    if (result.configPath !== '') process.stdout.write(`model: ${result.configPath}\n       ${result.weightsPath}\n`);
    // a run stopped before its first checkpoint has nothing to continue
    if (result.status !== 'finished' && result.configPath !== '') process.stdout.write(`continue with: revnet train --resume ${params.outDir}\n`);
  }
  switch (result.status) {
    case 'finished': return 0;
    case 'cancelled': return signalExitCode(stopSignal ?? 'SIGINT');
    case 'diverged': return 3;
  }
}

/** the shell's convention: 128 + the signal's number (SIGINT 130, SIGTERM 143) */
function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

export const command = { summary, run };
