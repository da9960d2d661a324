// RevNet: Open Model… — a `*.revnet.json` (with the weights beside it or from its last training),
// or a `.safetensors` whose config sits beside it: loaded and checked by the engine, then opened.
import * as vscode from 'vscode';
import { Requests } from '../../protocol/engineApi';
import type { Ctx } from '../context';
import { isConfig } from '../model/modelPairs';
import { pickConfig, uriArgument } from './pickFiles';
import { formatCount } from '../../shared/format';

export function openModel(ctx: Ctx) {
  return async (arg?: unknown): Promise<void> => {
    const given = uriArgument(arg);
    let configUri: vscode.Uri | undefined;
    let weightsPath: string | undefined;
    if (given?.path.endsWith('.safetensors')) {
      configUri = await ctx.modelPairs.configFor(given);
      weightsPath = given.fsPath;
      if (configUri === undefined) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'RevNet model config': ['json'] }, title: `The config for ${given.fsPath}` });
        configUri = picked?.[0];
      }
    } else {
      configUri = given !== undefined && isConfig(given) ? given : await pickConfig(arg, ctx.lastModel, 'open');
    }
    if (configUri === undefined) return;
    const model = weightsPath !== undefined ? { configPath: configUri.fsPath, weightsPath } : await ctx.modelPairs.modelFor(configUri);
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'RevNet: loading model' },
      () => ctx.engine.request(Requests.load, { model }),
    );
    if (weightsPath !== undefined) await ctx.modelPairs.rememberTrained(configUri, { configPath: configUri.fsPath, weightsPath });
    ctx.lastModel = configUri;
    const weights = 'weightsPath' in model && model.weightsPath !== undefined ? `weights ${vscode.workspace.asRelativePath(model.weightsPath)}` : 'fresh weights (no trained weights found)';
    ctx.output.info(`loaded ${summary.name}: ${summary.params} parameters, ${summary.blocks.length} blocks, ${weights}`);
    await vscode.window.showTextDocument(configUri, { preview: false });
    void vscode.window.showInformationMessage(
      `RevNet: ${summary.name} — ${formatCount(summary.params)} parameters, ${summary.blocks.length} blocks, ${summary.trunkInvertible ? 'trunk invertible' : `invertible: ${summary.invertibleParts.join(', ') || 'none'}`}; ${weights}.`,
    );
  };
}
