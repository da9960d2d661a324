// RevNet: Invert Tensor… — a `.npy` output (from the explorer or a picker) inverted back through the
// model; the result is written beside it as NAME.inverted.npy and the round-trip error is reported.
import * as vscode from 'vscode';
import { Requests } from '../../protocol/engineApi';
import { formatError, formatShape } from '../../shared/format';
import { config } from '../config';
import type { Ctx } from '../context';
import { NPY_TO_INVERT, pickConfig, pickFile, uriArgument } from './pickFiles';

export function invertTensor(ctx: Ctx) {
  return async (arg?: unknown): Promise<void> => {
    const given = uriArgument(arg);
    const input = given?.path.endsWith('.npy') ? given : await pickFile(NPY_TO_INVERT.title, NPY_TO_INVERT.filters);
    if (input === undefined) return;
    const configUri = ctx.lastModel ?? (await pickConfig(undefined, undefined, 'invert with'));
    if (configUri === undefined) return;
    const model = await ctx.modelPairs.modelFor(configUri);
    const name = input.path.slice(input.path.lastIndexOf('/') + 1).replace(/\.npy$/, '');
    const output = vscode.Uri.joinPath(input, '..', `${name}.inverted.npy`);
    // the engine never replaces a file unasked: ask here, then pass overwrite
    const exists = await vscode.workspace.fs.stat(output).then(
      () => true,
      () => false,
    );
    if (exists) {
      const answer = await vscode.window.showWarningMessage(
        `RevNet: ${vscode.workspace.asRelativePath(output)} already exists. Inverting ${name}.npy replaces it.`,
        { modal: true },
        'Overwrite',
      );
      if (answer !== 'Overwrite') return;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RevNet: inverting ${name}.npy` },
      () => ctx.engine.request(Requests.invert, { model, inputPath: input.fsPath, outputPath: output.fsPath, ...(exists ? { overwrite: true } : {}), ...config.memoryLimit() }),
    );
    const what = result.given === 'image' ? ' (one image: forward through the model, then back)' : '';
    const text = `Inverted ${name}.npy${what} to ${result.reachedInput} [${formatShape(result.shape)}] → ${vscode.workspace.asRelativePath(result.outputPath)}; round trip max |Δ| ${formatError(result.roundTrip.maxAbs)}, relative L2 ${formatError(result.roundTrip.relL2)}.`;
    ctx.output.info(text);
    const choice = await vscode.window.showInformationMessage(`RevNet: ${text}`, 'Reveal in Explorer');
    if (choice === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.outputPath));
  };
}
