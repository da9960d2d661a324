// The engine process never writes to stdout: the IPC channel carries the protocol, and the
// extension shows everything else in the "RevNet" output channel. Console output and stray
// stdout writes (e.g. TensorFlow.js's own warnings) become log notifications.
import { format } from 'node:util';
import type { LogEvent } from '../../protocol/engineApi';

export type LogSink = (event: LogEvent) => void;

export function redirectConsole(sink: LogSink): void {
  const send = (level: LogEvent['level']) => (...args: unknown[]) => sink({ level, message: format(...args) });
  console.log = send('info');
  console.info = send('info');
  console.debug = send('info');
  console.warn = send('warn');
  console.error = send('error');
  console.trace = send('error');
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.trim() !== '') sink({ level: 'info', message: text.replace(/\n$/, '') });
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  });
}
