// Finds and reads the run history (protocol/runHistory.ts) of a panel's model: the run folder is the config's
// own folder when the config was written by a training, else `runs/NAME/` beside it (where Train Model… writes).
import * as vscode from 'vscode';
import { parseRunHistory, RUN_HISTORY_FILE, type RunHistory } from '../../protocol/runHistory';
import type { RunEnd } from '../../protocol/webviewMessages';
import { baseName } from '../model/modelPairs';

export function historyCandidates(configUri: vscode.Uri): vscode.Uri[] {
  return [
    vscode.Uri.joinPath(configUri, '..', RUN_HISTORY_FILE),
    vscode.Uri.joinPath(configUri, '..', 'runs', baseName(configUri), RUN_HISTORY_FILE),
  ];
}

/** the model's run history, or undefined when it has no run folder with one */
export async function readRunHistory(configUri: vscode.Uri): Promise<{ file: vscode.Uri; history: RunHistory } | undefined> {
  for (const file of historyCandidates(configUri)) {
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(file);
    } catch {
      continue;
    }
    return { file, history: parseRunHistory(new TextDecoder().decode(bytes)) };
  }
  return undefined;
}

/** how the history's run ended, in the words the editor uses elsewhere (commands/runEnd.ts) */
export function historyEnd(history: RunHistory): RunEnd | undefined {
  const end = history.end;
  if (end === undefined) return undefined;
  switch (end.status) {
    case 'finished': return { status: 'finished', text: `Training finished: ${end.steps} steps.`, step: end.steps };
    case 'cancelled': return { status: 'cancelled', text: `Training stopped at step ${end.steps} (checkpoint saved).`, step: end.steps };
    case 'diverged': return { status: 'diverged', text: `Training diverged at step ${end.steps}.`, step: end.steps };
  }
}
