// The engine process: forked by the extension, it answers JSON-RPC requests on the IPC channel.
// It never writes to stdout; console output travels as log notifications.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { Notifications, type LogEvent } from '../../protocol/engineApi';
import { initBackend, requestedBackend, type BackendReady } from './backend';
import { redirectConsole } from './consoleToLog';
import { operations } from './operations';
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

let backendReady: Promise<BackendReady> | undefined;
function backend(): Promise<BackendReady> {
  backendReady ??= (async () => {
    const ready = await initBackend(requestedBackend(process.argv.slice(2)));
    log({ level: 'info', message: `engine ${process.pid} on Node ${process.version}, backend ${ready.backend}` });
    if (ready.backendNote !== undefined) log({ level: 'warn', message: ready.backendNote });
    return ready;
  })();
  return backendReady;
}

registerHandlers(connection, { operations, backend, log });
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
