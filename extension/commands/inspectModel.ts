// RevNet: Inspect Model — runs the engine's inspection of a config's model (cancellable) and shows
// the numbers in the panel, the hovers and the diagnostics.
import * as vscode from 'vscode';
import { Requests, type InspectParams } from '../../protocol/engineApi';
import { EngineErrorCodes } from '../../protocol/engineErrors';
import { config } from '../config';
import { chooseData, explainDataError } from '../dataChoice';
import { EngineRequestError } from '../engine/engineClient';
import type { Ctx } from '../context';
import { baseName } from '../model/modelPairs';
import { InspectionPanel } from '../panel/inspectionPanel';
import { pickConfig } from './pickFiles';

export function inspectModel(ctx: Ctx) {
  return async (arg?: unknown, blockId?: unknown): Promise<void> => {
    const configUri = await pickConfig(arg, ctx.lastModel, 'inspect');
    if (configUri === undefined) return;
    ctx.lastModel = configUri;
    const started = Date.now();
    const model = await ctx.modelPairs.modelFor(configUri);
    const data = await chooseData(ctx, model, 'inspect');
    if (data === undefined) return;
    const params: InspectParams = { model, data, batchSize: config.inspectBatchSize(), ...config.memoryLimit(), threads: config.threads() };
    if (config.inspectStability()) params.stability = {};
    const panel = InspectionPanel.show(ctx, configUri, typeof blockId === 'string' ? blockId : undefined);
    panel.setBusy(true, 'inspecting');
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RevNet: inspecting ${baseName(configUri)}`, cancellable: true },
        (_progress, token) => ctx.engine.request(Requests.inspect, params, token),
      );
      ctx.output.info(`inspect: ${report.blocks.length} blocks of ${report.model.name} in ${Date.now() - started} ms (${report.backend}, data ${report.data})`);
      await ctx.inspections.set({ configUri, model, report });
    } catch (error) {
      const explained = explainDataError(error);
      // the panel that asked keeps its last good numbers and shows the failure as a banner
      if (!(explained instanceof EngineRequestError && explained.code === EngineErrorCodes.cancelled)) {
        panel.showError(`Inspect failed: ${explained instanceof Error ? explained.message : String(explained)}`);
      }
      throw explained;
    } finally {
      panel.setBusy(false);
    }
  };
}

/** Opens the panel at a block (the hover's link); inspects first if there is no inspection yet. */
export function showBlock(ctx: Ctx) {
  return async (configUriText?: unknown, blockId?: unknown): Promise<void> => {
    if (typeof configUriText !== 'string' || typeof blockId !== 'string') return;
    const configUri = vscode.Uri.parse(configUriText);
    if ((await ctx.inspections.restore(configUri.toString())) === undefined) {
      await vscode.commands.executeCommand('revnet.inspectModel', configUri, blockId);
      return;
    }
    InspectionPanel.show(ctx, configUri, blockId);
  };
}
