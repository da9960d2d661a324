// A cancellation point between the phases of forward, invert and explore: yields to the event loop (so that a
// JSON-RPC cancel can arrive), then stops the operation when it was cancelled, releasing what it holds.
import type { CancelSignal } from '../util/cancelSignal';
import { yieldToEventLoop } from '../util/yieldToEventLoop';

export const NOT_CANCELLED: CancelSignal = { cancelled: false };

export class OperationCancelled extends Error {
  constructor(operation: string) {
    super(`${operation} cancelled`);
    this.name = 'OperationCancelled';
  }
}

export async function stopPoint(cancel: CancelSignal, operation: string, release?: () => void): Promise<void> {
  await yieldToEventLoop();
  if (!cancel.cancelled) return;
  release?.();
  throw new OperationCancelled(operation);
}
