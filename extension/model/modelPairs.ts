// Which files make a model in the workspace: a `*.revnet.json` config paired with its weights —
// a `.safetensors` of the same name beside it, or the result of the last training from this config.
import * as vscode from 'vscode';
import type { ModelRef } from '../../protocol/engineApi';

export const CONFIG_SUFFIX = '.revnet.json';

export function isConfig(uri: vscode.Uri): boolean {
  return uri.path.endsWith(CONFIG_SUFFIX);
}

export function baseName(uri: vscode.Uri): string {
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  return name.endsWith(CONFIG_SUFFIX) ? name.slice(0, -CONFIG_SUFFIX.length) : name.replace(/\.[^.]+$/, '');
}

export function sibling(uri: vscode.Uri, name: string): vscode.Uri {
  return vscode.Uri.joinPath(uri, '..', name);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

interface TrainedModel {
  configPath: string;
  weightsPath: string;
}

const TRAINED_KEY = 'revnet.trainedModels';

/** Remembers, per config file, the model its last training wrote (kept across reloads). */
export class ModelPairs {
  constructor(private readonly state: vscode.Memento) {}

  async rememberTrained(configUri: vscode.Uri, trained: TrainedModel): Promise<void> {
    const all = this.state.get<Record<string, TrainedModel>>(TRAINED_KEY, {});
    await this.state.update(TRAINED_KEY, { ...all, [configUri.toString()]: trained });
  }

  /**
   * The model a config file stands for: the weights chosen for it with Open Model…, else the weights beside
   * it, else the config alone (fresh weights). Never another file's weights: a training's result is the run
   * folder's own config and weights, and its numbers belong there, not to the config it started from.
   */
  async modelFor(configUri: vscode.Uri): Promise<ModelRef> {
    const trained = this.state.get<Partial<Record<string, TrainedModel>>>(TRAINED_KEY, {})[configUri.toString()];
    if (trained?.configPath === configUri.fsPath && (await exists(vscode.Uri.file(trained.weightsPath)))) {
      return { configPath: trained.configPath, weightsPath: trained.weightsPath };
    }
    const weights = sibling(configUri, `${baseName(configUri)}.safetensors`);
    if (await exists(weights)) return { configPath: configUri.fsPath, weightsPath: weights.fsPath };
    return { configPath: configUri.fsPath };
  }

  /** The config for a weights file: `NAME.revnet.json` beside `NAME.safetensors`, if it exists. */
  async configFor(weightsUri: vscode.Uri): Promise<vscode.Uri | undefined> {
    const config = sibling(weightsUri, `${baseName(weightsUri)}${CONFIG_SUFFIX}`);
    return (await exists(config)) ? config : undefined;
  }
}
