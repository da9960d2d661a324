// The engine operations the JSON-RPC server calls, gathered in one place.
// An operation whose module has not landed yet answers with a clear "not available yet" error;
// it never returns made-up results.
import type { EngineOperations } from '../operations.types';
import type { PresetInfo, SaveTensorParams } from '../../protocol/engineApi';
import { presetConfig, presetSummaries } from '../model/presets';
import { trainModel } from '../train/trainModel';
import { saveTensor } from './saveTensor';
import { forward } from '../operations/forward';
import { invert } from '../operations/invert';
import { load } from '../operations/load';
import { explore } from '../operations/explore';
import { inspectModel } from '../inspect/inspectModel';

export class NotAvailableError extends Error {
  constructor(operation: string, module: string) {
    super(`The engine operation "${operation}" is not available yet (${module} has not been written).`);
    this.name = 'NotAvailableError';
  }
}

export function notAvailable(operation: string, module: string): () => Promise<never> {
  return async () => {
    throw new NotAvailableError(operation, module);
  };
}

export interface ServerOperations extends EngineOperations {
  /** writes a small tensor as .npy (the path was chosen by the user in the extension) */
  saveTensor(params: SaveTensorParams): Promise<void>;
  /** the built-in model presets, with their full configs */
  presets(): Promise<PresetInfo[]>;
}

export const operations: ServerOperations = {
  load,
  train: trainModel,
  inspect: inspectModel,
  invert,
  forward,
  explore,
  saveTensor,
  presets: async () => presetSummaries().map(({ name, summary }) => ({ name, description: summary, config: presetConfig(name) })),
};
