// RevNet: Stop Training — cancels the running training's request token: the engine stops after its current
// step, writes a checkpoint and answers "cancelled" (Train Model… then says "stopped at step N").
import * as vscode from 'vscode';
import type { Ctx } from '../context';

export function stopTraining(ctx: Ctx) {
  return async (): Promise<void> => {
    if (ctx.training === undefined) {
      void vscode.window.showInformationMessage('RevNet: no training is running.');
      return;
    }
    ctx.training.cancel.cancel();
    ctx.output.info('training: stop requested (the engine stops after the current step and writes a checkpoint)');
    await Promise.resolve();
  };
}
