// Long operations are synchronous between their steps; awaiting this between steps lets the event loop run
// signal handlers (Ctrl-C) and JSON-RPC messages (cancel, status), so that Stop takes effect at the next step.

/** resolves after pending I/O callbacks (signals, IPC messages) have run */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
