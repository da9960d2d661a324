// Data-parallel training steps over worker_threads: the batch is cut into one slice per worker, every worker
// runs the step on its slice with its own single-threaded backend (stepWorker.ts), BatchNorm's sums are
// reduced across the workers mid-pass (sharedGather.ts), and the weighted gradients and losses are summed
// here. The optimiser stays in this thread: it applies the summed gradients to the one true copy of the
// weights, which go to the workers with every step. The result equals the single-process step up to float32
// summation order.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { architectureOf } from '../model/network';
import type { Network, StepGradients, TrainMode } from '../model/network.types';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './messages';
import { abortSharedGather, allocateSharedGather, type SharedGatherMemory } from './sharedGather';

/** the worker script: dist/stepWorker.js next to the bundle, or the TypeScript source under tsx */
export function stepWorkerScript(): string {
  for (const name of ['stepWorker.js', 'stepWorker.ts']) {
    const candidate = join(__dirname, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the training worker script (stepWorker.js) was not found in ${__dirname}`);
}

/** slice sizes of a batch over `workers`, as even as possible, larger slices first: 8 over 3 → 3, 3, 2 */
export function sliceSizes(batch: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, i) => Math.floor(batch / workers) + (i < batch % workers ? 1 : 0));
}

interface HostWeights {
  params: Float32Array[];
  buffers: Float32Array[];
}

/** the weights as they are now, in weights order: what every request carries */
function hostWeights(net: Network): HostWeights {
  return {
    params: [...net.weights.params.values()].map((v) => v.dataSync() as Float32Array),
    buffers: [...net.weights.buffers.values()].map((v) => v.dataSync() as Float32Array),
  };
}

/** the slices' logits, in slice order, as one [rows, classes] tensor */
function joinLogits(net: Network, slices: Float32Array[]): tf.Tensor2D {
  const logits = new Float32Array(slices.reduce((n, slice) => n + slice.length, 0));
  let offset = 0;
  for (const slice of slices) {
    logits.set(slice, offset);
    offset += slice.length;
  }
  return tf.tensor2d(logits, [logits.length / net.config.classes, net.config.classes]);
}

type StepReply = Extract<WorkerReply, { kind: 'step' }>;

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

export class ParallelStep {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private disposed = false;

  private constructor(
    /** one per slice; exposed so that tests can kill one */
    readonly workers: readonly Worker[],
    private readonly memory: SharedGatherMemory,
  ) {
    workers.forEach((worker, index) => {
      worker.on('message', (reply: WorkerReply) => {
        this.onReply(index, reply);
      });
      worker.on('error', (error) => {
        this.fail(new Error(`training worker ${index + 1} of ${workers.length} crashed: ${error.message}`));
      });
      worker.on('exit', (code) => {
        if (!this.disposed) this.fail(new Error(`training worker ${index + 1} of ${workers.length} exited unexpectedly (code ${code})`));
      });
    });
  }

  /** starts `threads` workers for this network on `backend` (wasm or cpu) and waits until each is ready */
  static async start(net: Network, threads: number, backend: string, script = stepWorkerScript()): Promise<ParallelStep> {
    if (!Number.isSafeInteger(threads) || threads < 2) throw new Error(`data-parallel steps need 2 or more threads, got ${threads}`);
    if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`data-parallel steps run on the wasm or cpu backend, not ${backend}`);
    const channels = [...architectureOf(net).batchNorms.values()];
    // the longest exchanged vector: a BatchNorm's forward statistics, count + mean and Σ(x-mean)² per channel
    const memory = allocateSharedGather(threads, 2 * Math.max(1, ...channels) + 1);
    const workers = Array.from({ length: threads }, (_, index) => {
      const setup: WorkerSetup = { config: net.config, backend, memory, index };
      if (!script.endsWith('.ts')) return new Worker(script, { workerData: setup });
      // from the sources (tests and benches under tsx): the worker registers tsx's require hook first
      return new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { eval: true, workerData: setup });
    });
    const pool = new ParallelStep(workers, memory);
    try {
      await Promise.all(workers.map((_, index) => pool.awaitReply(index)));
    } catch (error) {
      await pool.dispose();
      throw error;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length;
  }

  /** one training step, the same contract as computeGradients (the caller owns the returned tensors) */
  async step(net: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode): Promise<StepGradients> {
    const answers = await this.runSteps(net, images, labels, mode);
    return this.combine(net, answers);
  }

  /**
   * steps whose results are dropped: the workers' first steps of a shape set up kernels and memory, and a step
   * timed after this one measures the steady state; `net` is only read (its running statistics stay as they are)
   */
  async warmUp(net: Network, images: tf.Tensor4D, labels: tf.Tensor1D, modes: readonly TrainMode[]): Promise<void> {
    for (const mode of modes) await this.runSteps(net, images, labels, mode);
  }

  private async runSteps(net: Network, images: tf.Tensor4D, labels: tf.Tensor1D, mode: TrainMode): Promise<StepReply[]> {
    this.checkUsable();
    const batch = images.shape[0];
    if (batch < this.threads) throw new Error(`a batch of ${batch} cannot be split over ${this.threads} training threads; use --threads ${batch} or fewer`);
    const labelData = labels.dataSync() as Int32Array | Float32Array;
    const answers = await this.scatter(net, images, this.threads, (slice, start, weights) => ({
      kind: 'step',
      ...slice,
      labels: labelData.slice(start, start + slice.imageShape[0]),
      lossWeight: slice.imageShape[0] / batch,
      mode,
      ...weights,
    }));
    return answers.map((answer, index) => {
      if (answer.kind !== 'step') throw new Error(`training worker ${index + 1} answered "${answer.kind}" to a step`);
      return answer;
    });
  }

  /**
   * logits of a batch with BatchNorm in inference mode, like net.predict, each worker on a slice (a batch smaller
   * than the pool uses as many workers as it has images); the caller owns the returned tensor
   */
  async predict(net: Network, images: tf.Tensor4D): Promise<tf.Tensor2D> {
    this.checkUsable();
    const answers = await this.scatter(net, images, Math.min(this.threads, images.shape[0]), (slice, _start, weights) => ({ kind: 'predict', ...slice, ...weights }));
    return joinLogits(
      net,
      answers.map((answer, index) => {
        if (answer.kind !== 'predict') throw new Error(`training worker ${index + 1} answered "${answer.kind}" to a prediction`);
        return answer.logits;
      }),
    );
  }

  /**
   * cuts the batch into one slice per worker (the first `workers`), sends each its request with the weights as they
   * are now, and waits for every answer, in worker order
   */
  private async scatter(
    net: Network,
    images: tf.Tensor4D,
    workers: number,
    request: (slice: { images: Float32Array; imageShape: [number, number, number, number] }, start: number, weights: HostWeights) => WorkerRequest,
  ): Promise<WorkerReply[]> {
    const [batch, height, width, channels] = images.shape;
    const pixels = height * width * channels;
    const imageData = images.dataSync() as Float32Array;
    const weights = hostWeights(net);
    let start = 0;
    const replies = sliceSizes(batch, workers).map((size, index) => {
      const sliceImages = imageData.slice(start * pixels, (start + size) * pixels);
      const message = request({ images: sliceImages, imageShape: [size, height, width, channels] }, start, weights);
      start += size;
      const reply = this.awaitReply(index);
      this.workers[index].postMessage(message, [sliceImages.buffer]);
      return reply;
    });
    return Promise.all(replies);
  }

  private checkUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.disposed) throw new Error('the training workers were stopped');
  }

  /** stops every worker; safe to call twice */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    abortSharedGather(this.memory);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.rejectAll(new Error('the training workers were stopped'));
  }

  private combine(net: Network, replies: StepReply[]): StepGradients {
    const names = [...net.weights.params.keys()];
    const grads = new Map<string, tf.Tensor>();
    names.forEach((name, i) => {
      const total = Float32Array.from(replies[0].grads[i]);
      for (const reply of replies.slice(1)) {
        const g = reply.grads[i];
        for (let k = 0; k < total.length; k++) total[k] += g[k];
      }
      grads.set(name, tf.tensor(total, (net.weights.params.get(name) as tf.Variable).shape, 'float32'));
    });
    // every worker holds the same running statistics (the batch statistics were reduced); take the first's
    let b = 0;
    for (const v of net.weights.buffers.values()) {
      const value = tf.tensor(replies[0].buffers[b++], v.shape, 'float32');
      v.assign(value);
      value.dispose();
    }
    return {
      loss: tf.scalar(replies.reduce((sum, reply) => sum + reply.loss, 0)),
      logits: joinLogits(net, replies.map((reply) => reply.logits)),
      grads,
    };
  }

  /** the next reply of worker `index` that is not an error (an error fails the whole pool) */
  private awaitReply(index: number): Promise<WorkerReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(index, { resolve, reject });
    });
  }

  private onReply(index: number, reply: WorkerReply): void {
    const waiting = this.pending.get(index);
    if (reply.kind === 'error') {
      this.fail(new Error(`training worker ${index + 1} of ${this.workers.length} failed: ${reply.message}`));
      return;
    }
    this.pending.delete(index);
    waiting?.resolve(reply);
  }

  private fail(error: Error): void {
    if (this.failure !== undefined || this.disposed) return;
    this.failure = error;
    abortSharedGather(this.memory);
    this.rejectAll(error);
    for (const worker of this.workers) void worker.terminate();
  }

  private rejectAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
