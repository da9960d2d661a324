// Where BatchNorm's per-channel batch sums go before they are used. In one process there is nothing to
// reduce (no reducer is set, BatchNorm takes its fast path). A data-parallel worker (engine/parallel) sets
// one that hands every slice's vector to every slice, so that the statistics, and BatchNorm's backward
// sums, are those of the whole batch (sync BatchNorm).
export interface BatchStatsReducer {
  /**
   * Every slice's `values`, in slice order, the same on every slice. Called synchronously, in the same order
   * and with the same lengths on every slice (the graph is the same).
   */
  gather(values: Float32Array): Float32Array[];
}

let active: BatchStatsReducer | undefined;

/** set once by a worker before its first step; undefined restores the single-process path */
export function setBatchStatsReducer(reducer: BatchStatsReducer | undefined): void {
  active = reducer;
}

export function activeBatchStatsReducer(): BatchStatsReducer | undefined {
  return active;
}
