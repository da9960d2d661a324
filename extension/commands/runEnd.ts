// How a finished, stopped or diverged training reads in the editor (notification, status bar, panel):
// a stop is never called "finished" or "failed".
import type { TrainResult } from '../../protocol/engineApi';

export function describeRunEnd(result: TrainResult): string {
  switch (result.status) {
    case 'finished': {
      const loss = result.finalLoss !== undefined ? `, loss ${result.finalLoss.toFixed(4)}` : '';
      const accuracy = result.testAccuracy !== undefined ? `, test accuracy ${(result.testAccuracy * 100).toFixed(2)}%` : '';
      return `Training finished: ${result.steps} steps${loss}${accuracy}.`;
    }
    case 'cancelled':
      return result.weightsPath !== ''
        ? `Training stopped at step ${result.steps} (checkpoint saved).`
        : `Training stopped at step ${result.steps} (no checkpoint: nothing was trained yet).`;
    case 'diverged':
      return `Training diverged at step ${result.steps}${result.message !== undefined ? ` (${result.message})` : ''}; the last good checkpoint is kept.`;
  }
}
