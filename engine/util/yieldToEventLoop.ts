// Long operations are synchronous between their steps; awaiting this between steps lets the event loop run
// signal handlers (Ctrl-C) and JSON-RPC messages (cancel, status), so that Stop takes effect at the next step.

/**
 * vscode-jsonrpc handles one queued message per turn of the event loop (each through its own setImmediate):
 * a few turns let a status request and a cancel that arrived together both be answered at this step boundary.
 */
const TURNS = 4;

/** resolves after pending I/O callbacks (signals, IPC messages) have run */
export async function yieldToEventLoop(): Promise<void> {
  for (let turn = 0; turn < TURNS; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
