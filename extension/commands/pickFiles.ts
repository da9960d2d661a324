// Finding the file a command works on: the explorer item it was run on, the active editor, or a picker.
import * as vscode from 'vscode';
import { workspaceDefaultUri } from '../dataChoice';
import { CONFIG_SUFFIX, isConfig } from '../model/modelPairs';

/** The command's argument when run from an explorer context menu or a link. */
export function uriArgument(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg !== '') return vscode.Uri.parse(arg);
  return undefined;
}

/** A model config: the argument, else the active editor's, else the last used, else a quick pick. */
export async function pickConfig(arg: unknown, lastModel: vscode.Uri | undefined, purpose: string): Promise<vscode.Uri | undefined> {
  const given = uriArgument(arg);
  if (given !== undefined && isConfig(given)) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active !== undefined && isConfig(active)) return active;
  const found = await vscode.workspace.findFiles(`**/*${CONFIG_SUFFIX}`, '**/node_modules/**', 200);
  const only = found.at(0);
  if (found.length === 1 && only !== undefined) return only;
  const items = found.map((uri) => ({
    label: vscode.workspace.asRelativePath(uri),
    description: lastModel?.toString() === uri.toString() ? 'last used' : '',
    uri,
  }));
  items.sort((a, b) => (a.description === '' ? 1 : 0) - (b.description === '' ? 1 : 0));
  const browse = { label: '$(folder-opened) Choose a file…', description: '', uri: undefined as vscode.Uri | undefined };
  const picked = await vscode.window.showQuickPick([...items, browse], { placeHolder: `Model config to ${purpose}` });
  if (picked === undefined) return undefined;
  if (picked.uri !== undefined) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'RevNet model config': ['json'] },
    openLabel: purpose,
    ...workspaceDefaultUri(),
  });
  return chosen?.[0];
}

/** One file of the given extensions from a dialog. */
/** the open dialog of both ways to invert a file (the palette's Invert Tensor… and the panel's button): one rule, one wording */
export const NPY_TO_INVERT = { title: 'A .npy to invert: a batch of the model\'s outputs, or one image', filters: { NumPy: ['npy'] } };

export async function pickFile(title: string, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters, title, openLabel: 'Choose', ...workspaceDefaultUri() });
  return chosen?.[0];
}
