// ChannelSums: Σ over every axis but the last, as one kernel ([..., C] → [C]): the sums BatchNorm and the
// per-channel affine's gradients take several times per layer. On wasm it runs our own SIMD loop
// (engine/backend/simd/channelSums.wat) in the backend's memory; on cpu a plain loop. Both add float32 partials
// of at most 64 values into float64 sums, so they are more accurate than the matrix product they replace
// (engine/backend/README.md gives the times).
import * as tf from '@tensorflow/tfjs-core';
import { channelSumsWasm } from '../simd/channelSumsWasm';
import { isWasmMemory, type WasmMemory } from './wasmMemory';

export const CHANNEL_SUMS = 'RevnetChannelSums';

/** how many float32 values one partial sum holds before it goes into the float64 sum (as in the .wat) */
export const PARTIAL_ROWS = 64;

type ChannelSumsLoop = (x: number, rows: number, channels: number, partials: number, sums: number) => void;

// the engine compiles without the DOM library, which is where TypeScript declares WebAssembly
interface WasmMemoryObject {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemoryObject;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface WasmModule {
  asm: { memory: WasmMemoryObject };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

type WasmBackend = tf.KernelBackend & WasmMemory & { wasm: WasmModule };

function isWasmBackend(backend: tf.KernelBackend): backend is WasmBackend {
  const wasm = (backend as Partial<{ wasm: Partial<WasmModule> }>).wasm;
  return isWasmMemory(backend) && typeof wasm?._malloc === 'function' && typeof wasm._free === 'function' && wasm.asm?.memory instanceof webAssembly.Memory;
}

let compiled: object | undefined;
// one instance per backend memory (each training thread has its own backend)
const loops = new WeakMap<WasmMemoryObject, ChannelSumsLoop>();

function loopFor(memory: WasmMemoryObject): ChannelSumsLoop {
  let loop = loops.get(memory);
  if (loop === undefined) {
    compiled ??= new webAssembly.Module(Buffer.from(channelSumsWasm, 'base64'));
    loop = new webAssembly.Instance(compiled, { env: { memory } }).exports['channelSums'] as ChannelSumsLoop;
    loops.set(memory, loop);
  }
  return loop;
}

function rowsAndChannels(x: tf.TensorInfo): { rows: number; channels: number } {
  const channels = x.shape.at(-1) ?? 1;
  return { rows: channels === 0 ? 0 : tf.util.sizeFromShape(x.shape) / channels, channels };
}

function checkFloat32(x: tf.TensorInfo): void {
  if (x.dtype !== 'float32') throw new Error(`${CHANNEL_SUMS}: float32 input expected, got ${x.dtype}`);
}

type ChannelSumsKernel = (params: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }) => tf.TensorInfo;

export const wasmChannelSums: ChannelSumsKernel = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  checkFloat32(x);
  if (!isWasmBackend(backend)) throw new Error(`${CHANNEL_SUMS}: the backend is not the wasm backend this kernel was written for`);
  const { rows, channels } = rowsAndChannels(x);
  const { wasm } = backend;
  // float32 partials, then float64 sums at the next multiple of 8; malloc's address is a signed 32-bit integer,
  // negative past 2 GiB (>>> 0 reads it unsigned, as the memory is addressed)
  const scratch = wasm._malloc(channels * 12 + 8) >>> 0;
  try {
    const partials = scratch;
    const sums = Math.ceil((scratch + channels * 4) / 8) * 8;
    loopFor(wasm.asm.memory)(backend.typedArrayFromHeap(x).byteOffset, rows, channels, partials, sums);
    const out = backend.makeOutput([channels], 'float32');
    // views made after the loop and the allocation: either may have grown the memory
    backend.typedArrayFromHeap(out).set(new Float64Array(wasm.asm.memory.buffer, sums, channels));
    return out;
  } finally {
    wasm._free(scratch);
  }
};

interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export const cpuChannelSums: ChannelSumsKernel = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  checkFloat32(x);
  const cpu = backend as unknown as CpuBackend;
  const values = cpu.data.get(x.dataId).values;
  if (!(values instanceof Float32Array)) throw new Error(`${CHANNEL_SUMS}: the cpu backend holds no float32 values for the input`);
  const { rows, channels } = rowsAndChannels(x);
  const sums = new Float64Array(channels);
  const partials = new Float32Array(channels);
  for (let row = 0; row < rows; row++) {
    const offset = row * channels;
    for (let j = 0; j < channels; j++) partials[j] += values[offset + j];
    if ((row + 1) % PARTIAL_ROWS === 0 || row + 1 === rows) {
      for (let j = 0; j < channels; j++) sums[j] += partials[j];
      partials.fill(0);
    }
  }
  return cpu.makeTensorInfo([channels], 'float32', Float32Array.from(sums));
};

/** the gradient: every row gets the sums' upstream gradient (differentiable again, for gradients of gradients) */
export const channelSumsGradient: tf.GradConfig = {
  kernelName: CHANNEL_SUMS,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const upstream = dy as tf.Tensor;
    return { x: () => tf.broadcastTo(tf.reshape(upstream, [...x.shape.slice(0, -1).map(() => 1), upstream.size]), x.shape) };
  },
};
