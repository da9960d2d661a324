// Typed getters for the extension's settings (package.json `contributes.configuration`).
import * as vscode from 'vscode';
import type { BackendName } from '../protocol/engineApi';
import { SETTING_DEFAULTS, type SettingName } from '../shared/settingDefaults';

const section = 'revnet';

function get<K extends SettingName>(key: K): (typeof SETTING_DEFAULTS)[K] {
  return vscode.workspace.getConfiguration(section).get(key, SETTING_DEFAULTS[key]);
}

export type DefaultData = (typeof SETTING_DEFAULTS)['defaultData'];

export const config = {
  backend: (): BackendName => get('backend'),
  defaultData: (): DefaultData => get('defaultData'),
  inspectBatchSize: (): number => get('inspect.batchSize'),
  inspectStability: (): boolean => get('inspect.stability'),
  errorThreshold: (): number => get('errorThreshold'),
  stabilityReg: (): number => get('stabilityReg'),
  trainBatchSize: (): number => get('train.batchSize'),
  trainMaxSteps: (): number => get('train.maxSteps'),
  threads: (): number => get('threads'),
  /** revnet.memoryLimitMB as request params: {} for 0 (the engine's default, half the machine's memory) */
  memoryLimit: (): { memoryLimitBytes?: number } => {
    const megabytes = get('memoryLimitMB');
    return Number.isFinite(megabytes) && megabytes > 0 ? { memoryLimitBytes: Math.round(megabytes * 1e6) } : {};
  },
};

/** Settings whose change only takes effect in a new engine process. */
export const settingsNeedingEngineRestart = ['revnet.backend'];
