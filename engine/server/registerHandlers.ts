// Binds every request of protocol/engineApi.ts to an engine operation on a JSON-RPC connection.
// Every failure answers with a ResponseError carrying the operation's message (never swallowed).
import { ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc';
import { Notifications, Requests, type EngineInfo, type EngineStatus, type LogEvent } from '../../protocol/engineApi';
import { decodeNonFinite, encodeNonFinite } from '../../protocol/nonFinite';
import { boundedMessage } from '../../protocol/boundedMessage';
import { RequestCancelSignal } from './requestCancelSignal';
import { backendLabel, type BackendChoice } from '../backend';
import type { ServerOperations } from './serverOperations';
import { InspectionCancelled } from '../inspect/inspectModel';
import { OperationCancelled } from '../operations/stopPoint';

import { EngineErrorCodes } from '../../protocol/engineErrors';
import { isDataError } from '../data';


export interface ServerDeps {
  operations: ServerOperations;
  /** resolves once the TensorFlow.js backend is ready (started once at process start) */
  backend: () => Promise<BackendChoice>;
  log: (event: LogEvent) => void;
}

function toResponseError(error: unknown, method: string): ResponseError {
  if (error instanceof ResponseError) return new ResponseError(error.code, boundedMessage(error.message));
  const message = boundedMessage(error instanceof Error ? error.message : String(error));
  const code =
    isDataError(error)
      ? EngineErrorCodes.data
      : error instanceof InspectionCancelled || error instanceof OperationCancelled
        ? EngineErrorCodes.cancelled
        : EngineErrorCodes.operationFailed;
  return new ResponseError(code, message || `${method} failed`);
}

export function registerHandlers(connection: MessageConnection, deps: ServerDeps): void {
  const { operations } = deps;
  let training: RequestCancelSignal | undefined;
  let trainingStatus: NonNullable<EngineStatus['training']> | undefined;

  /** Runs one operation after the backend is ready; logs and converts any failure. */
  function handle<P, R>(
    method: string,
    run: (params: P, token: CancellationToken) => Promise<R>,
  ): (params: P, token: CancellationToken) => Promise<R> {
    return async (params, token) => {
      try {
        await deps.backend();
        // NaN and ±Infinity cross the JSON channel as tags (protocol/nonFinite.ts), both ways
        return encodeNonFinite(await run(decodeNonFinite(params) as P, token)) as R;
      } catch (error) {
        const response = toResponseError(error, method);
        deps.log({ level: 'error', message: `${method}: ${response.message}` });
        throw response;
      }
    };
  }

  connection.onRequest(
    Requests.info,
    handle(Requests.info.method, async (): Promise<EngineInfo> => {
      const choice = await deps.backend();
      const info: EngineInfo = { backend: backendLabel(choice), nodeVersion: process.version, pid: process.pid };
      if (choice.note !== undefined) info.backendNote = choice.note;
      return info;
    }),
  );
  connection.onRequest(Requests.load, handle(Requests.load.method, (params) => operations.load(params)));
  connection.onRequest(
    Requests.train,
    handle(Requests.train.method, async (params, token) => {
      if (training !== undefined) {
        throw new ResponseError(EngineErrorCodes.busy, 'A training run is already in progress; stop it first.');
      }
      const signal = new RequestCancelSignal(token);
      training = signal;
      trainingStatus = { runId: '', step: 0, epoch: 0, stopping: false };
      try {
        return await operations.train(
          params,
          (event) => {
            trainingStatus = { runId: event.runId, step: event.step, epoch: event.epoch, stopping: signal.cancelled };
            void connection.sendNotification(Notifications.progress, encodeNonFinite(event) as typeof event);
          },
          signal,
        );
      } finally {
        training = undefined;
        trainingStatus = undefined;
      }
    }),
  );
  connection.onRequest(Requests.cancelTraining, async () => {
    if (training === undefined) return false;
    training.cancel();
    return true;
  });
  connection.onRequest(Requests.status, (): EngineStatus => {
    if (training === undefined || trainingStatus === undefined) return {};
    return { training: { ...trainingStatus, stopping: training.cancelled } };
  });
  connection.onRequest(
    Requests.inspect,
    handle(Requests.inspect.method, (params, token) => operations.inspect(params, new RequestCancelSignal(token))),
  );
  connection.onRequest(Requests.invert, handle(Requests.invert.method, (params, token) => operations.invert(params, new RequestCancelSignal(token))));
  connection.onRequest(Requests.forward, handle(Requests.forward.method, (params, token) => operations.forward(params, new RequestCancelSignal(token))));
  connection.onRequest(Requests.explore, handle(Requests.explore.method, (params, token) => operations.explore(params, new RequestCancelSignal(token))));
  connection.onRequest(Requests.saveTensor, handle(Requests.saveTensor.method, (params) => operations.saveTensor(params)));
  connection.onRequest(Requests.trainingDefaults, handle(Requests.trainingDefaults.method, (params) => operations.trainingDefaults(params)));
  connection.onRequest(Requests.presets, async () => {
    try {
      return await operations.presets();
    } catch (error) {
      throw toResponseError(error, Requests.presets.method);
    }
  });
}
