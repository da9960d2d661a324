// Our own wasm SIMD modules (engine/backend/simd/*.wat) run on the TensorFlow.js wasm backend's memory: each
// is instantiated once per backend memory (each training thread has its own backend) and reads and writes
// tensors where they lie. This holds what they need of the backend beyond what other kernels use.
import type * as tf from '@tensorflow/tfjs-core';
import { isWasmMemory, type WasmMemory } from './wasmMemory';

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

export type WasmBackend = tf.KernelBackend & WasmMemory & { wasm: WasmModule };

export function isWasmBackend(backend: tf.KernelBackend): backend is WasmBackend {
  const wasm = (backend as Partial<{ wasm: Partial<WasmModule> }>).wasm;
  return isWasmMemory(backend) && typeof wasm?._malloc === 'function' && typeof wasm._free === 'function' && wasm.asm?.memory instanceof webAssembly.Memory;
}

/** the wasm backend, or an error naming the kernel that needs it */
export function wasmBackendFor(kernelName: string, backend: tf.KernelBackend): WasmBackend {
  if (!isWasmBackend(backend)) throw new Error(`${kernelName}: the backend is not the wasm backend this kernel was written for`);
  return backend;
}

/** one compiled .wat module (its base64 binary), instantiated per backend memory */
export class SimdModule<Exports> {
  private compiled: object | undefined;
  private readonly instances = new WeakMap<WasmMemoryObject, Exports>();

  constructor(private readonly base64: string) {}

  exportsFor(backend: WasmBackend): Exports {
    const memory = backend.wasm.asm.memory;
    let exports = this.instances.get(memory);
    if (exports === undefined) {
      this.compiled ??= new webAssembly.Module(Buffer.from(this.base64, 'base64'));
      exports = new webAssembly.Instance(this.compiled, { env: { memory } }).exports as Exports;
      this.instances.set(memory, exports);
    }
    return exports;
  }
}

/**
 * runs `use` with scratch memory for the loops' sums: `count` float32 partials, then `count` float64 sums at the next
 * multiple of 8 (malloc's address is a signed 32-bit integer, negative past 2 GiB: >>> 0 reads it unsigned, as the
 * memory is addressed)
 */
export function withPartialsAndSums<T>(backend: WasmBackend, count: number, use: (partials: number, sums: number) => T): T {
  const allocated = backend.wasm._malloc(count * 12 + 16) >>> 0;
  try {
    const partials = Math.ceil(allocated / 8) * 8;
    return use(partials, Math.ceil((partials + count * 4) / 8) * 8);
  } finally {
    backend.wasm._free(allocated);
  }
}

/** a new float32 tensor [length] of the float64 values at `address` */
export function outputFromFloat64(backend: WasmBackend, address: number, length: number): tf.TensorInfo {
  const out = backend.makeOutput([length], 'float32');
  // the view is made after the allocation, which may have grown the memory
  backend.typedArrayFromHeap(out).set(new Float64Array(backend.wasm.asm.memory.buffer, address, length));
  return out;
}

/** a tensor's address in the backend's memory */
export function addressOf(backend: WasmBackend, tensor: tf.TensorInfo): number {
  return backend.typedArrayFromHeap(tensor).byteOffset;
}
