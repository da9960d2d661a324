// A data-parallel step worker (a worker_threads thread): its own single-threaded TensorFlow.js backend and
// copy of the network. For every request it takes the coordinator's weights, runs one training step on its
// slice of the batch with BatchNorm's sums reduced over every worker (SharedGatherReducer), and answers with its
// weighted loss, logits and gradients, which the coordinator sums.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { computeGradientsWithHooks, disposeStep } from '../backprop';
import { setBatchStatsReducer } from '../model/batchStatsReducer';
import { buildNetwork, type RevNet } from '../model/network';
import type { PredictRequest, StepRequest, WorkerReply, WorkerRequest, WorkerSetup } from './messages';
import { SharedGatherReducer } from './sharedGather';

function assignAll(variables: Iterable<tf.Variable>, values: Float32Array[]): void {
  let i = 0;
  for (const v of variables) {
    const value = tf.tensor(values[i++], v.shape, 'float32');
    v.assign(value);
    value.dispose();
  }
}

function step(net: RevNet, request: StepRequest): Extract<WorkerReply, { kind: 'step' }> {
  const images = tf.tensor4d(request.images, request.imageShape);
  const labels = tf.tensor1d(request.labels, request.labels instanceof Int32Array ? 'int32' : 'float32');
  try {
    const result = computeGradientsWithHooks(net, images, labels, request.mode, { lossWeight: request.lossWeight });
    const reply = {
      kind: 'step' as const,
      loss: (result.loss.dataSync() as Float32Array)[0],
      logits: Float32Array.from(result.logits.dataSync() as Float32Array),
      grads: [...result.grads.values()].map((g) => Float32Array.from(g.dataSync() as Float32Array)),
      buffers: [...net.weights.buffers.values()].map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    };
    disposeStep(result);
    return reply;
  } finally {
    tf.dispose([images, labels]);
  }
}

function predict(net: RevNet, request: PredictRequest): Extract<WorkerReply, { kind: 'predict' }> {
  const logits = tf.tidy(() => net.predict(tf.tensor4d(request.images, request.imageShape)));
  try {
    return { kind: 'predict', logits: Float32Array.from(logits.dataSync() as Float32Array) };
  } finally {
    logits.dispose();
  }
}

function answer(net: RevNet, request: WorkerRequest): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  // every request carries the coordinator's weights as they are now
  assignAll(net.weights.params.values(), request.params);
  assignAll(net.weights.buffers.values(), request.buffers);
  if (request.kind === 'predict') {
    const reply = predict(net, request);
    return { reply, transfer: [reply.logits.buffer as ArrayBuffer] };
  }
  const reply = step(net, request);
  return { reply, transfer: [reply.logits.buffer as ArrayBuffer, ...reply.grads.map((g) => g.buffer as ArrayBuffer), ...reply.buffers.map((b) => b.buffer as ArrayBuffer)] };
}

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const setup = workerData as WorkerSetup;
  const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => {
    port.postMessage(reply, transfer);
  };
  let net: RevNet;
  try {
    await initBackend(setup.backend);
    setBatchStatsReducer(new SharedGatherReducer(setup.memory, setup.index));
    net = buildNetwork(setup.config, 0);
  } catch (error) {
    post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (request: WorkerRequest) => {
    try {
      const { reply, transfer } = answer(net, request);
      post(reply, transfer);
    } catch (error) {
      post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ kind: 'ready' });
}

if (parentPort !== null) void main(parentPort);
