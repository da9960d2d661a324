// `--memory-limit SIZE` of train, inspect, forward and invert: the engine's memory limit (engine/limits).
import { MEMORY_LIMIT_ENV, parseByteSize } from '../limits/memoryLimit';
import { CliError, stringOption, type OptionSpec, type ParsedArgs } from './args';

export const memoryLimitOption: OptionSpec = {
  type: 'string',
  description: `refuse work whose tensors would need more, e.g. 8GiB or 500MB (default: ${MEMORY_LIMIT_ENV}, else half the machine's memory)`,
};

/** the limit in bytes, or undefined when not given (the engine then takes the environment's or the default) */
export function memoryLimitFrom(args: ParsedArgs, command: string): number | undefined {
  const text = stringOption(args, 'memory-limit');
  if (text === undefined) return undefined;
  try {
    return parseByteSize(text);
  } catch (error) {
    throw new CliError(`${command}: --memory-limit: ${(error as Error).message}`);
  }
}
