// Binds every request of protocol/engineApi.ts to an engine operation on a JSON-RPC connection.
// Every failure answers with a ResponseError carrying the operation's message (never swallowed).
import { ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc';
import { Notifications, Requests, type EngineInfo, type LogEvent } from '../../protocol/engineApi';
import { RequestCancelSignal } from './cancelSignal';
import { NotAvailableError, type ServerOperations } from './operations';

/** Error codes the client can tell apart (JSON-RPC's server-defined range). */
export const EngineErrorCodes = {
  operationFailed: -32001,
  notAvailable: -32002,
  cancelled: -32800,
  busy: -32003,
} as const;

export interface ServerDeps {
  operations: ServerOperations;
  /** resolves once the TensorFlow.js backend is ready (started once at process start) */
  backend: () => Promise<{ backend: string; backendNote?: string }>;
  log: (event: LogEvent) => void;
}

function toResponseError(error: unknown, method: string): ResponseError {
  if (error instanceof ResponseError) return error as ResponseError;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof NotAvailableError ? EngineErrorCodes.notAvailable : EngineErrorCodes.operationFailed;
  return new ResponseError(code, message || `${method} failed`);
}

export function registerHandlers(connection: MessageConnection, deps: ServerDeps): void {
  const { operations } = deps;
  let training: RequestCancelSignal | undefined;

  /** Runs one operation after the backend is ready; logs and converts any failure. */
  function handle<P, R>(
    method: string,
    run: (params: P, token: CancellationToken) => Promise<R>,
  ): (params: P, token: CancellationToken) => Promise<R> {
    return async (params, token) => {
      try {
        await deps.backend();
        return await run(params, token);
      } catch (error) {
        const response = toResponseError(error, method);
        deps.log({ level: 'error', message: `${method}: ${response.message}` });
        throw response;
      }
    };
  }

  connection.onRequest(
    Requests.info,
    handle('revnet/info', async (): Promise<EngineInfo> => {
      const ready = await deps.backend();
      const info: EngineInfo = { backend: ready.backend, nodeVersion: process.version, pid: process.pid };
      if (ready.backendNote !== undefined) info.backendNote = ready.backendNote;
      return info;
    }),
  );
  connection.onRequest(Requests.load, handle('revnet/load', (params) => operations.load(params)));
  connection.onRequest(
    Requests.train,
    handle('revnet/train', async (params, token) => {
      if (training !== undefined) {
        throw new ResponseError(EngineErrorCodes.busy, 'A training run is already in progress; stop it first.');
      }
      const signal = new RequestCancelSignal(token);
      training = signal;
      try {
        return await operations.train(params, (event) => {
          void connection.sendNotification(Notifications.progress, event);
        }, signal);
      } finally {
        training = undefined;
      }
    }),
  );
  connection.onRequest(Requests.cancelTraining, async () => {
    if (training === undefined) return false;
    training.cancel();
    return true;
  });
  connection.onRequest(
    Requests.inspect,
    handle('revnet/inspect', (params, token) => operations.inspect(params, new RequestCancelSignal(token))),
  );
  connection.onRequest(Requests.invert, handle('revnet/invert', (params) => operations.invert(params)));
  connection.onRequest(Requests.forward, handle('revnet/forward', (params) => operations.forward(params)));
  connection.onRequest(Requests.explore, handle('revnet/explore', (params) => operations.explore(params)));
  connection.onRequest(Requests.saveTensor, handle('revnet/saveTensor', (params) => operations.saveTensor(params)));
  connection.onRequest(Requests.presets, async () => {
    try {
      return await operations.presets();
    } catch (error) {
      throw toResponseError(error, 'revnet/presets');
    }
  });
}
