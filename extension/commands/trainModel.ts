// RevNet: Train Model… — from the active or chosen config, on the data revnet.defaultData picks (the same rule
// as `revnet train`), with the engine's training defaults for the model (the same as the CLI's), and a
// cancellable progress notification (cancel or Stop Training = stop after the step and write a checkpoint).
import * as vscode from 'vscode';
import { Requests, type TrainParams, type TrainResult } from '../../protocol/engineApi';
import { config } from '../config';
import { existingOutputs } from '../outputFolder';
import type { Ctx } from '../context';
import { baseName } from '../model/modelPairs';
import { chooseData, explainDataError } from '../dataChoice';
import { pickConfig } from './pickFiles';
import { describeRunEnd } from './runEnd';
import { formatPercent } from '../../shared/format';

async function askEpochs(suggested: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'RevNet: epochs',
    value: String(suggested),
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
    const model = await ctx.modelPairs.modelFor(configUri);
    const data = await chooseData(ctx, model, 'train');
    if (data === undefined) return;
    // the same defaults as `revnet train` for this model (engine/train/defaults.ts)
    const defaults = await ctx.engine.request(Requests.trainingDefaults, { model });
    const epochs = await askEpochs(defaults.epochs);
    if (epochs === undefined) return;
    const outDir = vscode.Uri.joinPath(configUri, '..', 'runs', baseName(configUri));
    // Train from the config (fresh weights) unless there are weights to continue from.
    const params: TrainParams = {
      model,
      data,
      epochs,
      batchSize: config.trainBatchSize() > 0 ? config.trainBatchSize() : defaults.batchSize,
      optimizer: defaults.optimizer,
      learningRate: defaults.learningRate,
      lrDrops: defaults.lrDrops,
      outDir: outDir.fsPath,
      // stability tracking warns when a block first crosses the panel's threshold
      stabilityThreshold: config.errorThreshold(),
      ...config.memoryLimit(),
      threads: config.threads(),
    };
    if (defaults.augment !== undefined) params.augment = defaults.augment;
    if (config.trainMaxSteps() > 0) params.steps = config.trainMaxSteps();
    if (config.stabilityReg() > 0) params.stabilityReg = config.stabilityReg();
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
    ctx.output.info(`training ${configUri.fsPath} → ${outDir.fsPath}: ${params.optimizer ?? ''} lr ${params.learningRate ?? ''}, batch ${params.batchSize}, ${epochs} epochs`);
    let result: TrainResult;
    ctx.trainingStarted(configUri);
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RevNet: training ${baseName(configUri)}`, cancellable: true },
        async (progress, token) => {
          // the notification's Cancel and Stop Training both cancel the request's token: the engine stops
          // after the current step and answers with status "cancelled" and the checkpoint it wrote
          token.onCancellationRequested(() => {
            ctx.output.info('training: cancelled by the user; the engine writes a checkpoint');
            cancel.cancel();
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
          } catch (error) {
            throw explainDataError(error);
          } finally {
            listener.dispose();
          }
        },
      );
    } catch (error) {
      ctx.trainingEnded({ status: 'failed', text: 'training failed' });
      throw error;
    } finally {
      ctx.training = undefined;
      void vscode.commands.executeCommand('setContext', 'revnet.training', false);
      cancel.dispose();
    }
    await ctx.modelPairs.rememberTrained(configUri, { configPath: result.configPath, weightsPath: result.weightsPath });
    // the run's model is its own config and weights in the run folder: Inspect and hovers attach there
    const runConfig = result.configPath !== '' ? vscode.Uri.file(result.configPath) : undefined;
    if (runConfig !== undefined) ctx.lastModel = runConfig;
    const summary = describeRunEnd(result);
    ctx.trainingEnded({ status: result.status, text: summary, step: result.steps });
    ctx.output.info(`${summary} weights: ${result.weightsPath}`);
    const actions = runConfig !== undefined ? ['Inspect Model', 'Show Log'] : ['Show Log'];
    const choice = await vscode.window.showInformationMessage(`RevNet: ${summary}`, ...actions);
    if (choice === 'Inspect Model') await vscode.commands.executeCommand('revnet.inspectModel', runConfig ?? configUri);
    else if (choice === 'Show Log') ctx.showLog();
  };
}
