// RevNet: Show Log — the "RevNet" output channel: the engine's log lines and stderr.
import type { Ctx } from '../context';

export function showLog(ctx: Ctx) {
  return async (): Promise<void> => ctx.showLog();
}
