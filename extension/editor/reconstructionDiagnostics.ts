// Warnings in a `*.revnet.json` at each stage whose blocks reconstruct worse than revnet.errorThreshold.
import * as vscode from 'vscode';
import type { InspectReport } from '../../protocol/inspectReport';
import { exceedsThreshold } from '../../protocol/nonFinite';
import { config } from '../config';
import type { Ctx } from '../context';
import { stageSpans } from '../model/configLocator';
import { formatError } from '../../shared/format';
import { blockError } from '../model/hoverTable';
import { isConfig } from '../model/modelPairs';

function diagnosticsFor(document: vscode.TextDocument, report: InspectReport, threshold: number): vscode.Diagnostic[] {
  const spans = stageSpans(document.getText());
  const diagnostics: vscode.Diagnostic[] = [];
  for (const block of report.blocks) {
    const error = blockError(block);
    if (error === undefined) continue;
    if (exceedsThreshold(error, threshold)) {
      const span = spans.find((s) => s.stage === block.stage);
      if (span === undefined) continue;
      const start = document.positionAt(span.offset);
      const range = new vscode.Range(start, document.lineAt(start.line).range.end);
      const r = block.reconstruction;
      const detail = r === null ? '' : ` (one-block ${formatError(r.maxAbs)}, chain ${formatError(r.chainMaxAbs)})`;
      const diagnostic = new vscode.Diagnostic(
        range,
        `${block.id}: reconstruction error max |Δ| ${formatError(error)}${detail} exceeds the threshold ${formatError(threshold)}`,
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'RevNet';
      diagnostic.code = 'reconstruction-error';
      diagnostics.push(diagnostic);
    }
  }
  return diagnostics;
}

export function registerReconstructionDiagnostics(ctx: Ctx): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('revnet');
  const refresh = (document: vscode.TextDocument): void => {
    if (!isConfig(document.uri)) return;
    const inspection = ctx.inspections.get(document.uri);
    if (inspection === undefined) {
      collection.delete(document.uri);
      return;
    }
    collection.set(document.uri, diagnosticsFor(document, inspection.report, config.errorThreshold()));
  };
  const refreshAll = (): void => vscode.workspace.textDocuments.forEach(refresh);
  refreshAll();
  return vscode.Disposable.from(
    collection,
    ctx.inspections.onDidChange(refreshAll),
    vscode.workspace.onDidOpenTextDocument(refresh),
    vscode.workspace.onDidChangeTextDocument((event) => refresh(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => collection.delete(document.uri)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('revnet.errorThreshold')) refreshAll();
    }),
  );
}
