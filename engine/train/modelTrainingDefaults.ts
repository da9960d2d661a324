// The training defaults of a model, whoever asks (the CLI's `train`, the editor's Train Model…): a preset's
// own (engine/train/defaults.ts), also for a config file whose model is named after a preset (New Model
// Config… and `revnet new` write the preset's name), else the generic ones.
import type { ModelRef } from '../../protocol/engineApi';
import { loadConfig } from '../model/loadConfig';
import { trainingDefaults, type TrainingDefaults } from './defaults';

export async function trainingDefaultsForModel(ref: ModelRef): Promise<TrainingDefaults> {
  if ('preset' in ref) return trainingDefaults(ref.preset);
  const config = await loadConfig(ref.configPath);
  return trainingDefaults(config.name);
}
