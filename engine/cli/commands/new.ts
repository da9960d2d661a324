// `revnet new --preset P --out FILE`: writes a preset as a model file; `revnet new --list` lists the presets.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { presetConfig, presetSummaries, PRESET_NAMES } from '../../model/presets';
import { schemaReference } from '../../model/schemaReference';
import { validateConfig } from '../../model/validateConfig';
import { CliError, helpText, numberOption, parseArgs, stringOption, type OptionSpec } from '../args';

const summary = 'write a preset model as a NAME.revnet.json config file';

const options: Record<string, OptionSpec> = {
  preset: { type: 'string', description: `the preset: ${PRESET_NAMES.join(', ')}` },
  out: { type: 'string', description: 'the file to write, e.g. models/tiny.revnet.json' },
  classes: { type: 'string', description: 'number of classes (default 10; 100 for CIFAR-100)' },
  name: { type: 'string', description: "the model's name (default: the preset's name)" },
  schema: { type: 'string', description: 'the "$schema" to write (default: a path to the package\'s schema/revnet.schema.json)' },
  force: { type: 'boolean', description: 'overwrite FILE if it exists' },
  list: { type: 'boolean', description: 'list the presets, one per line' },
  json: { type: 'boolean', description: 'machine-readable output' },
  help: { type: 'boolean', description: 'show this help' },
};

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, options, 'new');
  const json = args.flags.get('json') === true;
  if (args.flags.get('help')) {
    process.stdout.write(helpText('new', summary, options));
    return 0;
  }
  if (args.flags.get('list')) {
    const presets = presetSummaries();
    if (json) process.stdout.write(`${JSON.stringify(presets, null, 2)}\n`);
    else process.stdout.write(presets.map((preset) => `${preset.name.padEnd(12)}${preset.summary}\n`).join(''));
    return 0;
  }
  if (args.positionals.length > 0) throw new CliError(`new: unexpected argument "${args.positionals[0]}"; see "revnet new --help"`);
  const preset = stringOption(args, 'preset');
  const out = stringOption(args, 'out');
  if (preset === undefined) throw new CliError(`new: --preset is required (one of ${PRESET_NAMES.join(', ')}); "revnet new --list" describes them`);
  if (out === undefined) throw new CliError('new: --out FILE is required, e.g. --out models/my.revnet.json');
  const classes = numberOption(args, 'classes', 'new');
  const name = stringOption(args, 'name');

  let config;
  try {
    config = presetConfig(preset, { ...(classes !== undefined ? { classes } : {}), ...(name !== undefined ? { name } : {}) });
  } catch (error) {
    throw new CliError(`new: ${(error as Error).message}`);
  }
  if (existsSync(out) && args.flags.get('force') !== true) {
    throw new CliError(`new: ${out} already exists; use --force to overwrite it`);
  }
  const schema = stringOption(args, 'schema') ?? schemaReference(out);
  const file = schema === undefined ? config : { $schema: schema, ...config };
  validateConfig(file, out);
  await mkdir(dirname(resolve(out)), { recursive: true });
  await writeFile(out, `${JSON.stringify(file, null, 2)}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ path: resolve(out), preset, name: config.name, classes: config.classes })}\n`);
  else process.stdout.write(`wrote ${out} (${preset}, ${config.classes} classes)\n`);
  return 0;
}

export const command = { summary, run };
