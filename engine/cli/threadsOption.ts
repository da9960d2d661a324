// `--threads N` of train and inspect: data-parallel training threads (engine/parallel); 0 one per core, 1 none.
import { CliError, numberOption, type OptionSpec, type ParsedArgs } from './args';

export const threadsOption: OptionSpec = {
  type: 'string',
  description: 'training threads, each running the training step on a slice of the batch; results equal 1 thread\'s (default 0: one per core; 1: this thread only; wasm and cpu backends; inspect: its timed steps)',
};

export function threadsFrom(args: ParsedArgs, command: string): number | undefined {
  const value = numberOption(args, 'threads', command);
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new CliError(`${command}: --threads must be a whole number ≥ 0 (0: one per core), got ${value}`);
  return value;
}
