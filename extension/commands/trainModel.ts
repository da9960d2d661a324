// RevNet: Train Model… — from the active or chosen config, on the built-in digits or the user's files,
// with a cancellable progress notification (cancel = stop after the step and write a checkpoint).
import * as vscode from 'vscode';
import { Requests, type DataSpec, type TrainParams, type TrainResult } from '../../protocol/engineApi';
import { config } from '../config';
import { existingOutputs } from '../outputFolder';
import type { Ctx } from '../context';
import { baseName } from '../model/modelPairs';
import { pickConfig, pickFile } from './pickFiles';
import { formatPercent } from '../../shared/format';

async function pickData(): Promise<DataSpec | undefined> {
  if (config.defaultData() === 'mnist') return { kind: 'mnist' };
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Built-in MNIST digits', data: 'mnist' as const },
      { label: 'IDX files (MNIST format)…', data: 'idx' as const },
      { label: 'NumPy .npy images and labels…', data: 'npy' as const },
      { label: 'CIFAR-10 binary batches…', data: 'cifar10' as const },
    ],
    { placeHolder: 'Training data' },
  );
  if (choice === undefined) return undefined;
  switch (choice.data) {
    case 'mnist':
      return { kind: 'mnist' };
    case 'idx': {
      const images = await pickFile('IDX images', { IDX: ['idx3-ubyte', 'gz', 'idx'] });
      const labels = images && (await pickFile('IDX labels', { IDX: ['idx1-ubyte', 'gz', 'idx'] }));
      return images && labels ? { kind: 'idx', images: images.fsPath, labels: labels.fsPath } : undefined;
    }
    case 'npy': {
      const images = await pickFile('Images (.npy, NHWC)', { NumPy: ['npy'] });
      const labels = images && (await pickFile('Labels (.npy)', { NumPy: ['npy'] }));
      return images && labels ? { kind: 'npy', images: images.fsPath, labels: labels.fsPath } : undefined;
    }
    case 'cifar10': {
      const files = await vscode.window.showOpenDialog({ canSelectMany: true, filters: { 'CIFAR binary': ['bin'] }, title: 'CIFAR-10 training batches' });
      return files && files.length > 0 ? { kind: 'cifar10', files: files.map((f) => f.fsPath) } : undefined;
    }
  }
}

async function askEpochs(): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'RevNet: epochs',
    value: '1',
    prompt: 'How many epochs to train',
    validateInput: (value) => (/^[1-9]\d{0,3}$/.test(value.trim()) ? undefined : 'a whole number from 1 to 9999'),
  });
  return text === undefined ? undefined : Number(text.trim());
}

export function trainModel(ctx: Ctx) {
  return async (arg?: unknown): Promise<void> => {
    if (ctx.training !== undefined) {
      void vscode.window.showWarningMessage('RevNet: a training is already running; stop it first (RevNet: Stop Training).');
      return;
    }
    const configUri = await pickConfig(arg, ctx.lastModel, 'train');
    if (configUri === undefined) return;
    const data = await pickData();
    if (data === undefined) return;
    const epochs = await askEpochs();
    if (epochs === undefined) return;
    const outDir = vscode.Uri.joinPath(configUri, '..', 'runs', baseName(configUri));
    const model = await ctx.modelPairs.modelFor(configUri);
    // Train from the config (fresh weights) unless there are weights to continue from.
    const params: TrainParams = {
      model,
      data,
      epochs,
      batchSize: config.trainBatchSize(),
      outDir: outDir.fsPath,
      // stability tracking warns when a block first crosses the panel's threshold
      stabilityThreshold: config.errorThreshold(),
      ...config.memoryLimit(),
    };
    if (config.trainMaxSteps() > 0) params.steps = config.trainMaxSteps();
    // the engine never replaces a model or checkpoint unasked: ask here, then pass force
    const existing = existingOutputs(outDir.fsPath);
    if (existing.length > 0) {
      const answer = await vscode.window.showWarningMessage(
        `RevNet: ${outDir.fsPath} already holds ${existing.join(', ')}. Training replaces them.`,
        { modal: true },
        'Overwrite',
      );
      if (answer !== 'Overwrite') return;
      params.force = true;
    }
    ctx.lastModel = configUri;
    const cancel = new vscode.CancellationTokenSource();
    ctx.training = { configUri, cancel };
    void vscode.commands.executeCommand('setContext', 'revnet.training', true);
    ctx.output.info(`training ${configUri.fsPath} → ${outDir.fsPath}`);
    let result: TrainResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RevNet: training ${baseName(configUri)}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => {
            ctx.output.info('training: cancelled by the user; the engine writes a checkpoint');
            void ctx.engine.request(Requests.cancelTraining).catch(() => undefined);
          });
          let reported = 0;
          const listener = ctx.onProgress((event) => {
            // event.epoch counts finished epochs; event.step counts steps since the run began
            const total = Math.min(params.steps ?? Number.POSITIVE_INFINITY, event.epochs * Math.max(event.stepsPerEpoch, 1));
            const percent = Math.min(100, (100 * event.step) / total);
            progress.report({
              message: `epoch ${Math.min(event.epoch + 1, event.epochs)}/${event.epochs} · step ${event.step}/${total} · loss ${event.loss.toFixed(4)} · acc ${formatPercent(event.accuracy)} · ${event.backend}`,
              increment: Math.max(0, percent - reported),
            });
            reported = Math.max(reported, percent);
          });
          try {
            return await ctx.engine.request(Requests.train, params, cancel.token);
          } finally {
            listener.dispose();
          }
        },
      );
    } finally {
      ctx.training = undefined;
      void vscode.commands.executeCommand('setContext', 'revnet.training', false);
      cancel.dispose();
    }
    await ctx.modelPairs.rememberTrained(configUri, { configPath: result.configPath, weightsPath: result.weightsPath });
    const accuracy = result.testAccuracy !== undefined ? `, test accuracy ${formatPercent(result.testAccuracy)}` : '';
    const loss = result.finalLoss !== undefined ? `, loss ${result.finalLoss.toFixed(4)}` : '';
    const summary =
      result.status === 'finished'
        ? `Training finished: ${result.steps} steps${loss}${accuracy}.`
        : result.status === 'cancelled'
          ? `Training stopped after ${result.steps} steps; checkpoint written to ${result.weightsPath}.`
          : `Training diverged${result.message ? ` (${result.message})` : ''}; the last good checkpoint is ${result.weightsPath}.`;
    ctx.output.info(`${summary} weights: ${result.weightsPath}`);
    const choice = await vscode.window.showInformationMessage(`RevNet: ${summary}`, 'Inspect Model', 'Show Log');
    if (choice === 'Inspect Model') await vscode.commands.executeCommand('revnet.inspectModel', configUri);
    else if (choice === 'Show Log') ctx.showLog();
  };
}
