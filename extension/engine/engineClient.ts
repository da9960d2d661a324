// The extension's side of the engine process: forks dist/engine.js on first need, talks JSON-RPC
// over the IPC channel, turns a dead process into a clear error for every pending request and
// starts a new process on the next request. Plain Node (no `vscode` import) so it is tested directly.
import { fork, type ChildProcess } from 'node:child_process';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ResponseError,
  type CancellationToken,
  type MessageConnection,
  type RequestType,
} from 'vscode-jsonrpc/node';
import { ErrorCodes } from 'vscode-jsonrpc';
import { Notifications, type BackendName, type LogEvent, type ProgressEvent } from '../../protocol/engineApi';
import { decodeNonFinite, encodeNonFinite } from '../../protocol/nonFinite';

export interface EngineExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the requests that were running when it died */
  during: string[];
}

export interface EngineClientOptions {
  /** path to the bundled engine (dist/engine.js) */
  enginePath: string;
  backend: () => BackendName;
  /** extra environment for the engine process */
  env?: Record<string, string>;
  /** the engine's log lines, its stderr, and the client's own notes */
  onLog: (event: LogEvent, source: 'engine' | 'stderr' | 'client') => void;
  onProgress?: (event: ProgressEvent) => void;
  /** the process died without being asked to stop */
  onCrash?: (exit: EngineExit) => void;
  onStart?: (pid: number) => void;
}

/** The engine process died while a request was running. */
export class EngineCrashedError extends Error {
  constructor(readonly exit: EngineExit, method: string) {
    const how = exit.signal !== null ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    super(`The RevNet engine ${how} while running ${method}. The next request starts a new engine.`);
    this.name = 'EngineCrashedError';
  }
}

/** The engine answered with an error: its message is the operation's own. */
export class EngineRequestError extends Error {
  constructor(readonly code: number, message: string, readonly method: string) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

/** Errors the JSON-RPC library raises itself when the connection goes away (not the engine's answers). */
const connectionErrorCodes = new Set<number>([
  ErrorCodes.MessageWriteError,
  ErrorCodes.MessageReadError,
  ErrorCodes.PendingResponseRejected,
  ErrorCodes.ConnectionInactive,
]);

interface RunningEngine {
  child: ChildProcess;
  connection: MessageConnection;
  exited: Promise<EngineExit>;
  pending: Map<number, string>;
  stopping: boolean;
}

export class EngineClient {
  private engine: RunningEngine | undefined;
  private nextRequest = 0;
  private starts = 0;

  constructor(private readonly options: EngineClientOptions) {}

  /** the running engine's process id, if one is running */
  get pid(): number | undefined {
    return this.engine?.child.pid;
  }

  /** how many engine processes this client has started */
  get startCount(): number {
    return this.starts;
  }

  /** Sends one request, starting the engine if none runs; `params` may be left out for requests without. */
  async request<P, R>(type: RequestType<P, R, void>, params?: P, token?: CancellationToken): Promise<R> {
    const engine = this.ensureStarted();
    const id = this.nextRequest++;
    engine.pending.set(id, type.method);
    const crashed = engine.exited.then((exit): never => {
      throw new EngineCrashedError(exit, type.method);
    });
    const args: unknown[] = [];
    // NaN and ±Infinity cross the JSON channel as tags (protocol/nonFinite.ts), both ways
    if (params !== undefined) args.push(encodeNonFinite(params));
    if (token !== undefined) args.push(token);
    try {
      const sent = (engine.connection.sendRequest as (...a: unknown[]) => Promise<R>)(type, ...args);
      return decodeNonFinite(await Promise.race([sent, crashed])) as R;
    } catch (error) {
      if (error instanceof EngineCrashedError) throw error;
      if (error instanceof ResponseError && !connectionErrorCodes.has(error.code)) {
        throw new EngineRequestError(error.code, error.message, type.method);
      }
      // The connection was torn down because the process died: report the death, not the teardown.
      const exit = await Promise.race([engine.exited, new Promise<undefined>((r) => setTimeout(r, 1000, undefined))]);
      if (exit !== undefined) throw new EngineCrashedError(exit, type.method);
      throw error;
    } finally {
      engine.pending.delete(id);
      crashed.catch(() => undefined);
    }
  }

  /** Stops the engine process (asks politely, then kills it). */
  async stop(timeoutMs = 2000): Promise<void> {
    const engine = this.engine;
    if (engine === undefined) return;
    engine.stopping = true;
    this.engine = undefined;
    engine.connection.dispose();
    if (engine.child.connected) engine.child.disconnect();
    const killer = setTimeout(() => engine.child.kill('SIGKILL'), timeoutMs);
    await engine.exited;
    clearTimeout(killer);
  }

  private ensureStarted(): RunningEngine {
    if (this.engine !== undefined) return this.engine;
    const { options } = this;
    const child = fork(options.enginePath, [`--backend=${options.backend()}`], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
      // In a desktop VS Code the extension host runs on Electron; this makes it behave as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
    });
    this.starts++;
    const pid = child.pid ?? -1;
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const engine: RunningEngine = {
      child,
      connection,
      pending: new Map(),
      stopping: false,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => resolve({ pid, code, signal, during: [...engine.pending.values()] }));
      }),
    };
    const lines = (source: 'stderr' | 'engine', level: LogEvent['level']) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (line.trim() !== '') options.onLog({ level, message: line }, source);
      }
    };
    child.stderr?.on('data', lines('stderr', 'warn'));
    // The engine never writes to stdout; if something does, show it rather than lose it.
    child.stdout?.on('data', lines('engine', 'warn'));
    child.on('error', (error) => options.onLog({ level: 'error', message: `engine process: ${error.message}` }, 'client'));
    connection.onNotification(Notifications.log, (event) => options.onLog(event, 'engine'));
    connection.onNotification(Notifications.progress, (event) => options.onProgress?.(decodeNonFinite(event) as ProgressEvent));
    connection.onError(([error]) => options.onLog({ level: 'error', message: `engine connection: ${error.message}` }, 'client'));
    void engine.exited.then((exit) => {
      connection.dispose();
      if (this.engine === engine) this.engine = undefined;
      if (!engine.stopping) {
        const how = exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
        options.onLog({ level: 'error', message: `engine ${exit.pid} stopped unexpectedly (${how})` }, 'client');
        options.onCrash?.(exit);
      }
    });
    connection.listen();
    this.engine = engine;
    options.onLog({ level: 'info', message: `engine ${pid} started (${options.enginePath})` }, 'client');
    options.onStart?.(pid);
    return engine;
  }
}
