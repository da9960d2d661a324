// `revnet invert`: an output of the trunk, a stage or a unit (.npy) back towards the image (.npy).
import { initBackend } from '../../backend';
import { invert } from '../../operations/invert';
import { CliError, helpText, parseArgs, stringOption, type OptionSpec } from '../args';
import { memoryLimitFrom, memoryLimitOption } from '../memoryLimitOption';
import { backendFrom, modelOptions, modelRefFrom, requiredOption, scaleFrom } from './modelOptions';
import { formatError } from '../../../shared/format';

const summary = 'run an output (.npy) backwards through the reversible units and squeezes, as far as the model inverts';

const options: Record<string, OptionSpec> = {
  ...modelOptions,
  input: { type: 'string', description: 'the output to invert, .npy float32, NHWC (a batch); or one image of the model\'s input shape, taken forward first' },
  output: { type: 'string', description: 'where to write what it inverts to, .npy float32 (the image, in image space, when the trunk inverts)' },
  from: { type: 'string', description: 'what the input is the output of: trunk (default), a stage (stage2) or a unit (stage1.unit3)' },
  force: { type: 'boolean', description: 'replace --output when it exists (refused otherwise)' },
  'memory-limit': memoryLimitOption,
  'allow-non-finite': { type: 'boolean', description: 'run an input holding NaN or ±Infinity (refused otherwise); the count is reported' },
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, options, 'invert');
  if (args.flags.get('help')) {
    process.stdout.write(helpText('invert', summary, options));
    return 0;
  }
  if (args.positionals.length > 0) throw new CliError(`invert: unexpected argument "${args.positionals[0]}"; see "revnet invert --help"`);
  const model = modelRefFrom(args, 'invert');
  const inputPath = requiredOption(args, 'input', 'invert');
  const outputPath = requiredOption(args, 'output', 'invert');
  const from = stringOption(args, 'from');
  const memoryLimitBytes = memoryLimitFrom(args, 'invert');
  const scale = scaleFrom(args, 'invert');
  const choice = await initBackend(backendFrom(args, 'invert'));
  if (choice.note !== undefined) process.stderr.write(`revnet: ${choice.note}\n`);
  const allowNonFinite = args.flags.get('allow-non-finite') === true;
  const result = await invert({ model, inputPath, outputPath, ...(args.flags.get('force') === true ? { overwrite: true } : {}), ...(allowNonFinite ? { allowNonFinite } : {}), ...(from !== undefined ? { from } : {}), ...(memoryLimitBytes !== undefined ? { memoryLimitBytes } : {}), ...(scale !== undefined ? { scale } : {}) });
  if (result.nonFiniteInputs !== undefined) process.stderr.write(`revnet invert: the input held ${result.nonFiniteInputs} non-finite value(s) (NaN or ±Infinity), run as asked (--allow-non-finite)\n`);
  if (args.flags.get('json')) {
    process.stdout.write(`${JSON.stringify({ ...result, backend: choice.name }, null, 2)}\n`);
  } else {
    const reached = result.reachedInput === 'image' ? 'the image' : `the ${result.reachedInput} (the part before it is not invertible)`;
    process.stdout.write(
      `wrote ${result.outputPath}: shape (${result.shape.join(', ')}), inverted back to ${reached}; ` +
        `round trip max |Δ| ${formatError(result.roundTrip.maxAbs)}, relative L2 ${formatError(result.roundTrip.relL2)}\n`,
    );
  }
  return 0;
}

export const command = { summary, run };
