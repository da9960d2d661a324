// The engine's public operations: what the CLI (engine/cli) and the JSON-RPC server (engine/server) call.
// Each takes and returns plain data (protocol/ types), leaves tf.memory().numTensors where it found it,
// and reports a bad file or config as an Error whose message names the file and what is wrong.
import type {
  ExploreParams,
  ExploreResult,
  ForwardParams,
  ForwardResult,
  InspectParams,
  InvertParams,
  InvertResult,
  LoadParams,
  ModelSummary,
  ProgressEvent,
  TrainParams,
  TrainResult,
} from '../../protocol/engineApi';
import type { InspectReport } from '../../protocol/inspectReport';
import type { CancelSignal } from '../util/cancelSignal';

export interface EngineOperations {
  /** engine/operations/load.ts */
  load(params: LoadParams): Promise<ModelSummary>;
  /** engine/train/trainModel.ts */
  train(params: TrainParams, onProgress: (event: ProgressEvent) => void, cancel: CancelSignal): Promise<TrainResult>;
  /** engine/inspect/inspectModel.ts */
  inspect(params: InspectParams, cancel: CancelSignal): Promise<InspectReport>;
  /** engine/operations/invert.ts */
  invert(params: InvertParams, cancel?: CancelSignal): Promise<InvertResult>;
  /** engine/operations/forward.ts */
  forward(params: ForwardParams, cancel?: CancelSignal): Promise<ForwardResult>;
  /** engine/operations/explore.ts */
  explore(params: ExploreParams, cancel?: CancelSignal): Promise<ExploreResult>;
}
