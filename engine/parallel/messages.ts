// What the coordinator (parallelStep.ts) and a step worker (stepWorker.ts) send each other.
import type { RevNetConfig } from '../model/config';
import type { TrainMode } from '../model/network.types';
import type { SharedGatherMemory } from './sharedGather';

/** workerData of a step worker */
export interface WorkerSetup {
  config: RevNetConfig;
  backend: 'wasm' | 'cpu';
  memory: SharedGatherMemory;
  /** this worker's place in the batch (its slice comes index-th) and in the shared sums */
  index: number;
}

/** one step on this worker's slice, with the weights as they are now (params and buffers in weights order) */
export interface StepRequest {
  kind: 'step';
  images: Float32Array;
  imageShape: [number, number, number, number];
  labels: Int32Array | Float32Array;
  /** the slice's share of the whole batch, n_slice / n_batch */
  lossWeight: number;
  mode: TrainMode;
  params: Float32Array[];
  buffers: Float32Array[];
}

/** logits of this worker's slice, BatchNorm in inference mode, with the weights as they are now */
export interface PredictRequest {
  kind: 'predict';
  images: Float32Array;
  imageShape: [number, number, number, number];
  params: Float32Array[];
  buffers: Float32Array[];
}

export type WorkerRequest = StepRequest | PredictRequest;

export type WorkerReply =
  | { kind: 'ready' }
  /** loss and gradients already weighted by the slice's share; buffers: the running statistics after the step */
  | { kind: 'step'; loss: number; logits: Float32Array; grads: Float32Array[]; buffers: Float32Array[] }
  | { kind: 'predict'; logits: Float32Array }
  | { kind: 'error'; message: string };
