// Moving the cursor into a stage of the panel's config selects that stage's first block in the panel.
import * as vscode from 'vscode';
import { firstBlockIdOfStage, stageAtOffset } from '../model/configLocator';
import { InspectionPanel } from '../panel/inspectionPanel';

export function registerSelectionSync(): vscode.Disposable {
  let last: string | undefined;
  return vscode.window.onDidChangeTextEditorSelection((event) => {
    // Only the user's own moves: a reveal from the panel must not echo back.
    if (event.kind !== vscode.TextEditorSelectionChangeKind.Mouse && event.kind !== vscode.TextEditorSelectionChangeKind.Keyboard) return;
    const panel = InspectionPanel.active;
    const document = event.textEditor.document;
    if (panel === undefined || panel.modelUri?.toString() !== document.uri.toString()) return;
    const span = stageAtOffset(document.getText(), document.offsetAt(event.selections[0]?.active ?? new vscode.Position(0, 0)));
    const blockId = span === undefined ? undefined : firstBlockIdOfStage(span);
    if (blockId === undefined || blockId === last) return;
    last = blockId;
    panel.selectBlock(blockId);
  });
}
