// The extension's entry: activate (cheap: no engine, no file reads) and deactivate, and the command table.
import * as vscode from 'vscode';
import { inspectModel, showBlock } from './commands/inspectModel';
import { invertTensor } from './commands/invertTensor';
import { newModelConfig } from './commands/newModelConfig';
import { openModel } from './commands/openModel';
import { showLog } from './commands/showLog';
import { stopTraining } from './commands/stopTraining';
import { trainModel } from './commands/trainModel';
import { Ctx } from './context';
import { registerReconstructionDiagnostics } from './editor/reconstructionDiagnostics';
import { registerSelectionSync } from './editor/selectionSync';
import { CONFIG_SELECTOR } from './editor/selector';
import { stageHoverProvider } from './editor/stageHover';
import { InspectionPanel, PANEL_VIEW_TYPE } from './panel/inspectionPanel';
import { allowedHere } from './workspaceTrust';

type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => Promise<void>;

/** command id → [what it does, for error messages; its factory] */
const commands: Record<string, [string, CommandFactory]> = {
  'revnet.newModelConfig': ['New Model Config', newModelConfig],
  'revnet.trainModel': ['Train Model', trainModel],
  'revnet.stopTraining': ['Stop Training', stopTraining],
  'revnet.openModel': ['Open Model', openModel],
  'revnet.inspectModel': ['Inspect Model', inspectModel],
  'revnet.invertTensor': ['Invert Tensor', invertTensor],
  'revnet.showLog': ['Show Log', showLog],
  'revnet.showBlock': ['Show Block', showBlock],
};

let ctx: Ctx | undefined;

export function activate(extension: vscode.ExtensionContext): void {
  const started = performance.now();
  const context = new Ctx(extension);
  ctx = context;
  for (const [id, [what, factory]] of Object.entries(commands)) {
    const run = factory(context);
    extension.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (!allowedHere(id, what)) return;
        try {
          await run(...args);
        } catch (error) {
          await context.reportError(error, what);
        }
      }),
    );
  }
  extension.subscriptions.push(
    vscode.languages.registerHoverProvider(CONFIG_SELECTOR, stageHoverProvider(context)),
    registerReconstructionDiagnostics(context),
    registerSelectionSync(),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        InspectionPanel.revive(context, panel, state);
      },
    }),
  );
  context.output.info(`RevNet Inspector activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export async function deactivate(): Promise<void> {
  const context = ctx;
  ctx = undefined;
  InspectionPanel.disposeAll();
  if (context !== undefined) {
    await context.stopEngine();
    context.dispose();
  }
}
