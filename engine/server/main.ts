// The engine process: forked by the extension, it answers JSON-RPC requests on the IPC channel.
// It never writes to stdout; console output travels as log notifications.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { BACKEND_NAMES, isBackendName, Notifications, type BackendName, type LogEvent } from '../../protocol/engineApi';
import { backendLabel, initBackend, type BackendChoice } from '../backend';
import { redirectConsole } from './consoleToLog';
import { serverOperations } from './serverOperations';
import { registerHandlers } from './registerHandlers';
import { registerTestHooks } from './testHooks';
import { boundedMessage } from '../../protocol/boundedMessage';

if (process.send === undefined) {
  process.stderr.write('revnet engine: must be started with an IPC channel (child_process.fork); for a terminal use the revnet CLI\n');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
const log = (event: LogEvent): void => {
  void connection.sendNotification(Notifications.log, { level: event.level, message: boundedMessage(event.message) });
};
redirectConsole(log);

/** The extension passes its `revnet.backend` setting as --backend=NAME. */
function requestedBackend(argv: string[]): BackendName {
  const value = argv.find((arg) => arg.startsWith('--backend='))?.slice('--backend='.length) ?? 'auto';
  if (!isBackendName(value)) throw new Error(`unknown backend "${value}"; expected one of ${BACKEND_NAMES.join(', ')}`);
  return value;
}

let backendReady: Promise<BackendChoice> | undefined;
function backend(): Promise<BackendChoice> {
  backendReady ??= (async () => {
    const choice = await initBackend(requestedBackend(process.argv.slice(2)));
    log({ level: 'info', message: `engine ${process.pid} on Node ${process.version}, backend ${backendLabel(choice)}` });
    if (choice.note !== undefined) log({ level: 'warn', message: choice.note });
    return choice;
  })();
  return backendReady;
}

registerHandlers(connection, { operations: serverOperations, backend, log });
if (process.env['REVNET_ENGINE_TEST_HOOKS'] === '1') registerTestHooks(connection);

process.on('uncaughtException', (error) => {
  log({ level: 'error', message: `uncaught: ${error.stack ?? error.message}` });
});
process.on('unhandledRejection', (reason) => {
  log({ level: 'error', message: `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}` });
});
// The extension went away: nothing left to answer.
process.on('disconnect', () => process.exit(0));

connection.listen();
void backend().catch((error: unknown) => {
  log({ level: 'error', message: `backend: ${error instanceof Error ? error.message : String(error)}` });
});
