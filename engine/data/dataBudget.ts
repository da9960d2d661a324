// The memory limit (engine/limits) applied to data loading: every array a loader would allocate is counted
// from a file's header (or the requested count) before it is allocated, so that a small file declaring a
// huge shape is refused at once instead of filling the machine's memory.
import { checkMemoryLimit } from '../limits/memoryLimit';

export class DataBudget {
  private usedBytes = 0;

  constructor(readonly limitBytes: number) {}

  /** counts `bytes` for `what`; throws MemoryLimitError, before they are allocated, when the total would exceed the limit */
  take(bytes: number, what: string): void {
    checkMemoryLimit(this.usedBytes + bytes, this.limitBytes, what, { hostOnly: true });
    this.usedBytes += bytes;
  }

  /**
   * An image or label array of `count` elements read from a file as `bytesPerElement`-byte values (count < 0:
   * too many to count): the file's bytes, their typed copy, and the float32 (or int32) array made from it.
   */
  takeArray(file: string, count: number, bytesPerElement: number): void {
    const bytes = count < 0 ? Number.POSITIVE_INFINITY : count * (2 * bytesPerElement + 4);
    this.take(bytes, `loading ${file} (${count < 0 ? 'an uncountable number of' : count} values)`);
  }
}

/** no limit at all (a loader called on its own, e.g. by a test) */
export const UNLIMITED = (): DataBudget => new DataBudget(Number.POSITIVE_INFINITY);
