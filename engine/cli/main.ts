// The `revnet` command line: one subcommand per engine operation, each in engine/cli/commands/.
// Every subcommand takes `--json` for machine-readable output; errors print a message, never a stack trace.
import { CliError } from './args';
import { boundedMessage } from '../../protocol/boundedMessage';

interface CliCommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// Loaded on demand so that `revnet --help` and light commands never start TensorFlow.js.
const commands: Record<string, () => Promise<CliCommand>> = {
  new: async () => (await import('./commands/new')).command,
  inspect: async () => (await import('./commands/inspect')).command,
  train: async () => (await import('./commands/train')).command,
  forward: async () => (await import('./commands/forward')).command,
  invert: async () => (await import('./commands/invert')).command,
  import: async () => (await import('./commands/import')).command,
};

async function main(argv: string[]): Promise<number> {
  const name = argv.at(0);
  const rest = argv.slice(1);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const lines = await Promise.all(
      Object.entries(commands).map(async ([key, load]) => `  ${key.padEnd(10)}${(await load()).summary}`),
    );
    process.stdout.write(`usage: revnet <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nrevnet <command> --help for its options\n`);
    return 0;
  }
  const load = commands[name] as (typeof commands)[string] | undefined;
  if (load === undefined) {
    process.stderr.write(`revnet: unknown command "${name}"; try "revnet --help"\n`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`revnet: ${boundedMessage(error.message)}\n`);
      process.exitCode = 2;
    } else {
      const message = boundedMessage(error instanceof Error ? error.message : String(error));
      process.stderr.write(`revnet: ${message}\n`);
      if (process.env['REVNET_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
      process.exitCode = 1;
    }
  },
);

