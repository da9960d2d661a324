// The Network: a config, its architecture and its weights (tf.Variables named as in the safetensors file).
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../util/random';
import { describeArchitecture, type Architecture } from './architecture';
import { DEFAULT_BATCH_NORM, type RevNetConfig } from './config';
import { countNonFinite } from '../io/typedArrays';
import { head } from './head';
import type { Network, NetworkWeights } from './network.types';
import type { RunContext } from './runContext';
import { runTrunk } from './trunk';

export class RevNet implements Network {
  readonly config: RevNetConfig;
  readonly architecture: Architecture;
  readonly weights: NetworkWeights;

  constructor(config: RevNetConfig, architecture: Architecture, weights: NetworkWeights) {
    this.config = config;
    this.architecture = architecture;
    this.weights = weights;
  }

  predict(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const ctx = inferenceContext(this);
      const { features } = runTrunk(ctx, this.architecture.steps, images, false);
      return head(ctx, this.architecture.head, features);
    });
  }

  dispose(): void {
    for (const v of this.weights.params.values()) v.dispose();
    for (const v of this.weights.buffers.values()) v.dispose();
  }
}

const architectures = new WeakMap<Network, Architecture>();

/** the architecture of any Network (RevNet carries one; other implementations get theirs described once) */
export function architectureOf(net: Network): Architecture {
  if (net instanceof RevNet) return net.architecture;
  let found = architectures.get(net);
  if (found === undefined) {
    found = describeArchitecture(net.config);
    architectures.set(net, found);
  }
  return found;
}

export function batchNormSettings(net: Network): { momentum: number; epsilon: number; runningVariance: 'biased' | 'unbiased' } {
  return { ...DEFAULT_BATCH_NORM, runningVariance: 'biased', ...net.config.batchNorm };
}

export function inferenceContext(net: Network): RunContext {
  return { weights: net.weights, training: false, epsilon: batchNormSettings(net).epsilon };
}

export function trainingContext(net: Network, stats?: RunContext['stats']): RunContext {
  const ctx: RunContext = { weights: net.weights, training: true, epsilon: batchNormSettings(net).epsilon };
  if (stats !== undefined) ctx.stats = stats;
  return ctx;
}

/** HWIO kernels and [in,out] dense weights: He-normal with fan-in = every axis but the last */
function initialValue(name: string, shape: number[], random: SeededRandom): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (name.endsWith('.gamma') || name.endsWith('.variance')) return new Float32Array(size).fill(1);
  if (name.endsWith('.beta') || name.endsWith('.mean') || name.endsWith('.bias')) return new Float32Array(size);
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return random.normalArray(size, Math.sqrt(2 / fanIn));
}

/** fresh weights from a seed: the same numbers on every backend */
export function buildNetwork(config: RevNetConfig, seed: number): RevNet {
  const architecture = describeArchitecture(config);
  const random = new SeededRandom(seed);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of [...architecture.params, ...architecture.buffers]) {
    tensors.set(name, { shape, data: initialValue(name, shape, random) });
  }
  return createNetwork(config, architecture, tensors);
}

export interface HostTensor {
  shape: number[];
  data: Float32Array;
  dtype?: string;
}

/** a network from named tensors (a safetensors file); every missing, unexpected or misshapen tensor in one error */
export function networkFromTensors(config: RevNetConfig, tensors: Map<string, HostTensor>, source = 'the weights'): RevNet {
  const architecture = describeArchitecture(config);
  const expected = new Map([...architecture.params, ...architecture.buffers]);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const found = tensors.get(name);
    if (found === undefined) {
      problems.push(`missing tensor "${name}" (expected shape [${shape.join(',')}])`);
      continue;
    }
    if (found.dtype !== undefined && found.dtype.toLowerCase() !== 'float32' && found.dtype !== 'F32') {
      problems.push(`tensor "${name}" has dtype ${found.dtype}, expected float32`);
    }
    if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      problems.push(`tensor "${name}" has shape [${found.shape.join(',')}], expected [${shape.join(',')}]`);
    } else if (found.data.length !== shape.reduce((a, b) => a * b, 1)) {
      problems.push(`tensor "${name}" holds ${found.data.length} values, its shape needs ${shape.reduce((a, b) => a * b, 1)}`);
    }
  }
  for (const name of tensors.keys()) {
    if (!expected.has(name)) problems.push(`unexpected tensor "${name}" (not part of model "${config.name}")`);
  }
  if (problems.length > 0) {
    throw new Error(`${source} do not match model "${config.name}" (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
  }
  checkFiniteTensors(tensors, expected.keys(), source);
  return createNetwork(config, architecture, tensors);
}

/** Refuses weights holding NaN or ±Infinity, naming the first such tensor (in architecture order) and how many. */
function checkFiniteTensors(tensors: Map<string, HostTensor>, names: Iterable<string>, source: string): void {
  for (const name of names) {
    const data = (tensors.get(name) as HostTensor).data;
    const { count, firstIndex: first } = countNonFinite(data);
    if (count > 0) {
      throw new Error(
        `${source}: tensor "${name}" holds ${count} non-finite value${count === 1 ? '' : 's'} (the first, ${String(data[first])}, at flat index ${first}); ` +
          'the weights are broken (a diverged run?). Use an earlier checkpoint, or retrain.',
      );
    }
  }
}

function createNetwork(config: RevNetConfig, architecture: Architecture, tensors: Map<string, HostTensor>): RevNet {
  const make = (name: string, trainable: boolean) => {
    const t = tensors.get(name) as HostTensor;
    return tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(t.data), t.shape, 'float32'), trainable, `${name}#${nextVariableId++}`));
  };
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  for (const name of architecture.params.keys()) params.set(name, make(name, true));
  for (const name of architecture.buffers.keys()) buffers.set(name, make(name, false));
  return new RevNet(config, architecture, { params, buffers });
}

// TensorFlow.js variable names must be unique in the process; several networks can live side by side.
let nextVariableId = 0;

/** every tensor of the network by name, params then buffers, for writers (safetensors) */
export function networkToTensors(net: Network): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of [...net.weights.params, ...net.weights.buffers]) {
    out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
  }
  return out;
}
