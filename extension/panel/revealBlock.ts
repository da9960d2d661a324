// Shows a block's stage in its `*.revnet.json` editor (the panel's blockSelected).
import * as vscode from 'vscode';
import { parseBlockId, stageSpans } from '../model/configLocator';

export async function revealBlock(configUri: vscode.Uri, blockId: string): Promise<void> {
  const parsed = parseBlockId(blockId);
  if (parsed === undefined) return;
  const document = await vscode.workspace.openTextDocument(configUri);
  const span = stageSpans(document.getText()).find((s) => s.stage === parsed.stage);
  if (span === undefined) return;
  const start = document.positionAt(span.offset);
  const range = new vscode.Range(start, document.positionAt(span.offset + span.length));
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === configUri.toString());
  const editor = await vscode.window.showTextDocument(document, {
    viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
    preserveFocus: true,
    preview: false,
  });
  editor.selection = new vscode.Selection(start, start);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
