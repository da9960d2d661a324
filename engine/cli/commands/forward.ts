// `revnet forward`: images (.npy, NHWC) to the trunk's features or the logits (.npy).
import { initBackend } from '../../backend';
import { forward } from '../../operations/forward';
import { CliError, helpText, parseArgs, type OptionSpec } from '../args';
import { memoryLimitFrom, memoryLimitOption } from '../memoryLimitOption';
import { backendFrom, modelOptions, modelRefFrom, requiredOption, scaleFrom } from './modelOptions';

const summary = 'run images (.npy) through a model to its trunk features or logits (.npy)';

const options: Record<string, OptionSpec> = {
  ...modelOptions,
  input: { type: 'string', description: 'images, .npy float32, (N,H,W,C) or (H,W,C), in image space (the model normalises them)' },
  output: { type: 'string', description: 'where to write the result, .npy float32' },
  force: { type: 'boolean', description: 'replace --output when it exists (refused otherwise)' },
  'memory-limit': memoryLimitOption,
  'allow-non-finite': { type: 'boolean', description: 'run an input holding NaN or ±Infinity (refused otherwise); the count is reported' },
  logits: { type: 'boolean', description: 'write the logits (N,classes) instead of the trunk features' },
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, options, 'forward');
  if (args.flags.get('help')) {
    process.stdout.write(helpText('forward', summary, options));
    return 0;
  }
  if (args.positionals.length > 0) throw new CliError(`forward: unexpected argument "${args.positionals[0]}"; see "revnet forward --help"`);
  const model = modelRefFrom(args, 'forward');
  const inputPath = requiredOption(args, 'input', 'forward');
  const outputPath = requiredOption(args, 'output', 'forward');
  const memoryLimitBytes = memoryLimitFrom(args, 'forward');
  const scale = scaleFrom(args, 'forward');
  const choice = await initBackend(backendFrom(args, 'forward'));
  if (choice.note !== undefined) process.stderr.write(`revnet: ${choice.note}\n`);
  const allowNonFinite = args.flags.get('allow-non-finite') === true;
  const result = await forward({ model, inputPath, outputPath, ...(args.flags.get('force') === true ? { overwrite: true } : {}), ...(allowNonFinite ? { allowNonFinite } : {}), logits: args.flags.get('logits') === true, ...(memoryLimitBytes !== undefined ? { memoryLimitBytes } : {}), ...(scale !== undefined ? { scale } : {}) });
  if (result.nonFiniteInputs !== undefined) process.stderr.write(`revnet forward: the input held ${result.nonFiniteInputs} non-finite value(s) (NaN or ±Infinity), run as asked (--allow-non-finite)\n`);
  if (args.flags.get('json')) process.stdout.write(`${JSON.stringify({ ...result, backend: choice.name }, null, 2)}\n`);
  else process.stdout.write(`wrote ${result.outputPath}: shape (${result.shape.join(', ')})\n`);
  return 0;
}

export const command = { summary, run };
