// RevNet: Stop Training — the running training stops after its current step and writes a checkpoint.
import * as vscode from 'vscode';
import { Requests } from '../../protocol/engineApi';
import type { Ctx } from '../context';

export function stopTraining(ctx: Ctx) {
  return async (): Promise<void> => {
    if (ctx.training === undefined) {
      void vscode.window.showInformationMessage('RevNet: no training is running.');
      return;
    }
    const stopped = await ctx.engine.request(Requests.cancelTraining);
    ctx.output.info(stopped ? 'training: stop requested' : 'training: the engine had no training running');
  };
}
