// The error codes the engine answers a failed request with (JSON-RPC's server-defined range), shared by the
// engine (engine/server/registerHandlers.ts) and the extension (extension/engine/engineClient.ts), which
// tells them apart: a cancelled request is no failure, a data problem names the setting that picks the data.
export const EngineErrorCodes = {
  /** the operation failed; the message is the operation's own */
  operationFailed: -32001,
  /** the operation is not wired in this engine */
  notAvailable: -32002,
  /** a training run is already in progress */
  busy: -32003,
  /** the data could not be read, or does not fit the model (engine/data DatasetError) */
  data: -32004,
  /** the request was cancelled by the client (JSON-RPC's RequestCancelled) */
  cancelled: -32800,
} as const;

export type EngineErrorCode = (typeof EngineErrorCodes)[keyof typeof EngineErrorCodes];
