// Builds a kernel out of other kernels of the same backend, below the autodiff tape: each step
// runs a registered kernel function directly on TensorInfos, and every intermediate result is
// released when the composition ends, so a composed kernel leaves only its output behind.
import * as tf from '@tensorflow/tfjs-core';

type Attrs = tf.NamedAttrMap;

export class KernelComposer {
  private readonly intermediates: tf.TensorInfo[] = [];

  constructor(
    private readonly backend: tf.KernelBackend,
    private readonly backendName: string,
  ) {}

  /** Runs kernel `name` of this backend; its result is released by `finish` unless returned. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: Attrs = {}): tf.TensorInfo {
    const config = tf.getKernel(name, this.backendName) as tf.KernelConfig | undefined;
    if (config === undefined) throw new Error(`kernel ${name} is not registered for backend ${this.backendName}`);
    const result = config.kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(result)) throw new Error(`kernel ${name} returned several outputs; one was expected`);
    this.intermediates.push(result);
    return result;
  }

  /** Takes a result made outside `run` (e.g. written directly into backend memory) into the composition. */
  track(info: tf.TensorInfo): tf.TensorInfo {
    this.intermediates.push(info);
    return info;
  }

  /** Releases an intermediate before the composition ends, to keep the peak low in a loop. */
  release(info: tf.TensorInfo): void {
    const index = this.intermediates.indexOf(info);
    if (index < 0) throw new Error('release: not an intermediate of this composition');
    this.intermediates.splice(index, 1);
    this.backend.disposeData(info.dataId);
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Releases every intermediate except `output`, which is handed to the caller. */
  finish(output: tf.TensorInfo): tf.TensorInfo {
    for (const info of this.intermediates) {
      if (info !== output) this.backend.disposeData(info.dataId);
    }
    this.intermediates.length = 0;
    return output;
  }

  /** Releases everything (after a failure). */
  abandon(): void {
    for (const info of this.intermediates) this.backend.disposeData(info.dataId);
    this.intermediates.length = 0;
  }
}

/** Runs `body` with a composer, releasing intermediates whether it returns or throws. */
export function compose(backend: tf.KernelBackend, backendName: string, body: (k: KernelComposer) => tf.TensorInfo): tf.TensorInfo {
  const composer = new KernelComposer(backend, backendName);
  let output: tf.TensorInfo;
  try {
    output = body(composer);
  } catch (error) {
    composer.abandon();
    throw error;
  }
  return composer.finish(output);
}
