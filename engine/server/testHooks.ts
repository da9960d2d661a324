// Requests that only exist when the engine is started with REVNET_ENGINE_TEST_HOOKS=1:
// they let the integration tests hold a request open (to kill the process or cancel it mid-way)
// without depending on how long a real operation takes.
import { RequestType, type MessageConnection } from 'vscode-jsonrpc';

export const TestRequests = {
  /** waits `ms` milliseconds, checking cancellation every 10 ms; answers "done" or "cancelled" */
  sleep: new RequestType<{ ms: number }, 'done' | 'cancelled', void>('revnet/test/sleep'),
} as const;

export function registerTestHooks(connection: MessageConnection): void {
  connection.onRequest(TestRequests.sleep, async ({ ms }, token) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (token.isCancellationRequested) return 'cancelled';
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return 'done';
  });
}
