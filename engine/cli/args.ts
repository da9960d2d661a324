// A small argument parser for the CLI subcommands: `--name value`, `--flag`, `--no-flag`.

export class CliError extends Error {}

export interface OptionSpec {
  /** "string" takes a value; "boolean" is a flag (also accepts --no-NAME) */
  type: 'string' | 'boolean';
  description: string;
  multiple?: boolean;
}

export interface ParsedArgs {
  values: Map<string, string[]>;
  flags: Map<string, boolean>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string): ParsedArgs {
  const values = new Map<string, string[]>();
  const flags = new Map<string, boolean>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [rawName, inlineValue] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const negated = rawName.startsWith('no-') && (spec[rawName] as OptionSpec | undefined) === undefined;
    const name = negated ? rawName.slice(3) : rawName;
    const option = spec[name] as OptionSpec | undefined;
    if (option === undefined) throw new CliError(`${command}: unknown option --${rawName}; see "revnet ${command} --help"`);
    if (option.type === 'boolean') {
      flags.set(name, !negated);
      continue;
    }
    const value = inlineValue ?? argv.at(++i);
    if (value === undefined) throw new CliError(`${command}: option --${name} needs a value`);
    values.set(name, option.multiple ? [...(values.get(name) ?? []), value] : [value]);
  }
  return { values, flags, positionals };
}

export function helpText(command: string, summary: string, spec: Record<string, OptionSpec>): string {
  const labels = Object.entries(spec).map(([name, option]) => `--${option.type === 'string' ? `${name} VALUE` : name}`);
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  const rows = Object.values(spec).map((option, i) => `  ${labels[i].padEnd(width)}${option.description}`);
  return `revnet ${command}: ${summary}\n\noptions:\n${rows.join('\n')}\n`;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}

export function numberOption(args: ParsedArgs, name: string, command: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new CliError(`${command}: --${name} must be a number, got "${text}"`);
  return value;
}
