// RevNet: New Model Config… — pick a preset (from the engine), write NAME.revnet.json and open it.
import * as vscode from 'vscode';
import { Requests } from '../../protocol/engineApi';
import type { Ctx } from '../context';
import { CONFIG_SUFFIX } from '../model/modelPairs';

async function freeName(folder: vscode.Uri, base: string): Promise<vscode.Uri> {
  for (let n = 1; ; n++) {
    const candidate = vscode.Uri.joinPath(folder, `${n === 1 ? base : `${base}-${n}`}${CONFIG_SUFFIX}`);
    try {
      await vscode.workspace.fs.stat(candidate);
    } catch {
      return candidate;
    }
  }
}

export function newModelConfig(ctx: Ctx) {
  return async (): Promise<void> => {
    const presets = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'RevNet: loading presets' },
      () => ctx.engine.request(Requests.presets),
    );
    const picked = await vscode.window.showQuickPick(
      presets.map((preset) => ({ label: preset.name, detail: preset.description, preset })),
      { placeHolder: 'Model preset', matchOnDetail: true },
    );
    if (picked === undefined) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    let target: vscode.Uri | undefined;
    if (folder !== undefined) {
      target = await freeName(folder, picked.preset.name);
    } else {
      target = await vscode.window.showSaveDialog({ filters: { 'RevNet model config': ['json'] }, saveLabel: 'Create' });
    }
    if (target === undefined) return;
    const text = `${JSON.stringify(picked.preset.config, null, 2)}\n`;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    ctx.lastModel = target;
    ctx.output.info(`wrote ${target.fsPath} from preset ${picked.preset.name}`);
    await vscode.window.showTextDocument(target);
  };
}
