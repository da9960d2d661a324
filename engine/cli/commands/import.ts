// `revnet import STATE.safetensors --config NAME.revnet.json --out DIR`: a PyTorch RevNet's state_dict made into
// a model pair, checked against the PyTorch model's own logits (or explicitly unchecked, and marked so).
import { resolve } from 'node:path';
import { initBackend } from '../../backend';
import { formatMappingTable, importModel } from '../../import/importModel';
import { CliError, helpText, parseArgs, stringOption, type OptionSpec } from '../args';
import { backendFrom } from './modelOptions';
import { schemaReference } from '../../model/schemaReference';

const summary = 'make a PyTorch RevNet state_dict (.safetensors) into a model pair, checked against its own logits';

const options: Record<string, OptionSpec> = {
  config: { type: 'string', description: 'NAME.revnet.json describing the same network (conventions included: docs/config.md)' },
  out: { type: 'string', description: 'the folder to write NAME.revnet.json and NAME.safetensors into' },
  name: { type: 'string', description: 'base name of the written pair (default: the config file\'s)' },
  mapping: { type: 'string', description: 'a JSON file of rules {"rules": [{"from": REGEX, "to": NAME | null}]}; default: map by state_dict order and shapes' },
  'check-inputs': { type: 'string', description: 'a batch (.npy float32, NHWC) exactly as your PyTorch model received it (tools/export_pytorch_revnet.py writes it)' },
  'check-logits': { type: 'string', description: 'the logits your PyTorch model gave for that batch (.npy, (N, classes))' },
  'no-check': { type: 'boolean', description: 'import without the check; the model is marked unverified' },
  force: { type: 'boolean', description: 'replace an existing pair in --out' },
  backend: { type: 'string', description: 'backend of the check: auto (default), tensorflow, wasm or cpu' },
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new CliError(`import: ${what} is required; see "revnet import --help"`);
  return value;
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, options, 'import');
  if (args.flags.get('help')) {
    process.stdout.write(`${helpText('import', summary, options)}\nusage: revnet import STATE.safetensors --config NAME.revnet.json --out DIR (--check-inputs X.npy --check-logits L.npy | --no-check)\n`);
    return 0;
  }
  const [statePath, ...extra] = args.positionals;
  if (extra.length > 0) throw new CliError(`import: unexpected argument "${extra[0]}"; give one state_dict file`);
  const state = required(statePath, 'the state_dict file (STATE.safetensors)');
  const configPath = required(stringOption(args, 'config'), '--config NAME.revnet.json');
  const outDir = required(stringOption(args, 'out'), '--out DIR');
  const inputsPath = stringOption(args, 'check-inputs');
  const logitsPath = stringOption(args, 'check-logits');
  const noCheck = args.flags.get('no-check') === true;
  if ((inputsPath === undefined) !== (logitsPath === undefined)) throw new CliError('import: --check-inputs and --check-logits go together');
  if (inputsPath !== undefined && noCheck) throw new CliError('import: --no-check contradicts --check-inputs/--check-logits');
  if (inputsPath === undefined && !noCheck) {
    throw new CliError(
      'import: give --check-inputs X.npy --check-logits L.npy (a batch and your PyTorch model\'s logits for it, written by tools/export_pytorch_revnet.py), ' +
        'or --no-check to import unverified. Without the check a convention that does not show in the weights (squeeze order, a missing BatchNorm) gives a wrong model silently.',
    );
  }
  const choice = await initBackend(backendFrom(args, 'import'));
  if (choice.note !== undefined) process.stderr.write(`revnet: ${choice.note}\n`);
  const name = stringOption(args, 'name');
  const mappingPath = stringOption(args, 'mapping');
  const schema = schemaReference(resolve(outDir, 'x.revnet.json'));
  const result = await importModel({
    statePath: state,
    configPath,
    outDir,
    backend: choice.name,
    force: args.flags.get('force') === true,
    ...(name !== undefined ? { name } : {}),
    ...(mappingPath !== undefined ? { mappingPath } : {}),
    ...(inputsPath !== undefined && logitsPath !== undefined ? { check: { inputsPath, logitsPath } } : {}),
    ...(schema !== undefined ? { schema } : {}),
  });
  if (args.flags.get('json')) {
    process.stdout.write(`${JSON.stringify({ ...result, backend: choice.name }, null, 2)}\n`);
    return 0;
  }
  const lines = [`mapped ${result.rows.length} tensors ${result.method}:`, formatMappingTable(result.rows)];
  const counters = result.ignored.filter((i) => i.reason === 'BatchNorm counter').length;
  const others = result.ignored.filter((i) => i.reason !== 'BatchNorm counter');
  if (counters > 0) lines.push(`left out: ${counters} BatchNorm counter${counters === 1 ? '' : 's'} (num_batches_tracked)`);
  if (others.length > 0) lines.push(`left out by the mapping: ${others.map((i) => i.name).join(', ')}`);
  const check = result.check;
  if (check !== undefined) {
    lines.push(
      `check on ${choice.name}: max |ours - PyTorch| = ${check.maxAbsDifference.toExponential(2)} over ${check.examples} examples ` +
        `(tolerance ${check.tolerance.toExponential(2)}, largest logit ${check.largestLogit.toFixed(3)}); ` +
        `argmax agreement ${(check.argmaxAgreement * 100).toFixed(1)}%: verified`,
    );
  } else {
    lines.push('UNVERIFIED: imported without --check-inputs/--check-logits; the config records "verified": false and the panel says so.');
  }
  lines.push(`wrote ${result.weightsPath} and ${result.configPath}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export const command = { summary, run };
