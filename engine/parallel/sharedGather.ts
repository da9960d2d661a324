// A synchronous all-gather between the data-parallel workers, over shared memory. TensorFlow.js runs
// gradients synchronously, so BatchNorm's mid-pass reductions cannot await a message: each worker writes its
// vector into its own slot, waits at a barrier (Atomics.wait), then reads every slot in worker order, so all
// workers combine the same numbers in the same order. Slots alternate between two banks: a worker can only write bank k%2
// again after the next barrier, which every worker reaches only after reading call k. The coordinator can
// abort (a worker failed): waiting workers then throw instead of waiting for a peer that will never come.
import type { BatchStatsReducer } from '../model/batchStatsReducer';

const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
/** how long one Atomics.wait sleeps before looking at the abort flag again (it is also woken by notify) */
const WAIT_SLICE_MS = 200;

export interface SharedGatherMemory {
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  workers: number;
  /** the longest vector one call may gather */
  capacity: number;
}

export function allocateSharedGather(workers: number, capacity: number): SharedGatherMemory {
  return {
    control: new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT),
    slots: new SharedArrayBuffer(2 * workers * capacity * Float32Array.BYTES_PER_ELEMENT),
    workers,
    capacity,
  };
}

/** coordinator side: wakes every waiting worker and makes every later barrier throw */
export function abortSharedGather(memory: SharedGatherMemory): void {
  const control = new Int32Array(memory.control);
  Atomics.store(control, ABORTED, 1);
  Atomics.notify(control, GENERATION);
}

export class SharedGatherReducer implements BatchStatsReducer {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;
  private calls = 0;

  constructor(
    private readonly memory: SharedGatherMemory,
    private readonly index: number,
  ) {
    this.control = new Int32Array(memory.control);
    this.slots = new Float32Array(memory.slots);
  }

  gather(values: Float32Array): Float32Array[] {
    const { workers, capacity } = this.memory;
    if (values.length > capacity) throw new Error(`a batch-statistics vector of ${values.length} values exceeds the shared capacity of ${capacity}`);
    const bank = (this.calls++ % 2) * workers;
    this.slots.set(values, (bank + this.index) * capacity);
    this.barrier();
    return Array.from({ length: workers }, (_, w) => this.slots.slice((bank + w) * capacity, (bank + w) * capacity + values.length));
  }

  private barrier(): void {
    const generation = Atomics.load(this.control, GENERATION);
    if (Atomics.add(this.control, ARRIVED, 1) === this.memory.workers - 1) {
      Atomics.store(this.control, ARRIVED, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
      return;
    }
    while (Atomics.load(this.control, GENERATION) === generation) {
      if (Atomics.load(this.control, ABORTED) !== 0) throw new Error('aborted: another training worker failed');
      Atomics.wait(this.control, GENERATION, generation, WAIT_SLICE_MS);
    }
  }
}
