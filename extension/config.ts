// Typed getters for the extension's settings (package.json `contributes.configuration`).
import * as vscode from 'vscode';
import type { BackendName } from '../protocol/engineApi';

const section = 'revnet';

function get<T>(key: string, fallback: T): T {
  return vscode.workspace.getConfiguration(section).get<T>(key, fallback);
}

export type DefaultData = 'auto' | 'mnist' | 'ask';

export const config = {
  backend: (): BackendName => get<BackendName>('backend', 'auto'),
  defaultData: (): DefaultData => {
    const value = get<string>('defaultData', 'auto');
    return value === 'mnist' || value === 'ask' ? value : 'auto';
  },
  inspectBatchSize: (): number => get<number>('inspect.batchSize', 16),
  errorThreshold: (): number => get<number>('errorThreshold', 1e-4),
  /** 0: the engine's default for the model (the same as `revnet train`'s) */
  trainBatchSize: (): number => get<number>('train.batchSize', 0),
  trainMaxSteps: (): number => get<number>('train.maxSteps', 0),
  /** revnet.memoryLimitMB as request params: {} for 0 (the engine's default, half the machine's memory) */
  memoryLimit: (): { memoryLimitBytes?: number } => {
    const megabytes = get<number>('memoryLimitMB', 0);
    return Number.isFinite(megabytes) && megabytes > 0 ? { memoryLimitBytes: Math.round(megabytes * 1e6) } : {};
  },
};

/** Settings whose change only takes effect in a new engine process. */
export const settingsNeedingEngineRestart = ['revnet.backend'];
