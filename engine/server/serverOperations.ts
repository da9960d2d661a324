// The table of operations the JSON-RPC server answers with: every EngineOperations entry
// (engine/operations/engineOperations.ts) and the two that only the extension asks for.
import type { EngineOperations } from '../operations/engineOperations';
import type { LoadParams, PresetInfo, SaveTensorParams, TrainingDefaults } from '../../protocol/engineApi';
import { trainingDefaultsForModel } from '../train/modelTrainingDefaults';
import { inspectModel } from '../inspect/inspectModel';
import { presetConfig, presetSummaries } from '../model/presets';
import { explore } from '../operations/explore';
import { forward } from '../operations/forward';
import { invert } from '../operations/invert';
import { load } from '../operations/load';
import { trainModel } from '../train/trainModel';
import { saveTensor } from './saveTensor';

export interface ServerOperations extends EngineOperations {
  /** writes a small tensor as .npy (the path was chosen by the user in the extension) */
  saveTensor(params: SaveTensorParams): Promise<void>;
  /** the built-in model presets, with their full configs */
  presets(): Promise<PresetInfo[]>;
  /** the options `train` uses for this model when none are given */
  trainingDefaults(params: LoadParams): Promise<TrainingDefaults>;
}

export const serverOperations: ServerOperations = {
  load,
  train: trainModel,
  inspect: inspectModel,
  invert,
  forward,
  explore,
  saveTensor,
  trainingDefaults: (params) => trainingDefaultsForModel(params.model),
  presets: async () => presetSummaries().map(({ name, summary }) => ({ name, description: summary, config: presetConfig(name) })),
};
