// The panel's state: the report, the settings, the selected block and the training series.
// Views subscribe; a change tells them what changed so they redraw only what depends on it.
import type { ExploreResult, ProgressEvent } from '../protocol/engineApi';
import type { BlockStats, InspectReport } from '../protocol/inspectReport';

export type Change = 'report' | 'threshold' | 'selection' | 'progress' | 'explore' | 'busy' | 'theme';

export const DEFAULT_ERROR_THRESHOLD = 1e-5;

export class Store {
  report: InspectReport | undefined;
  errorThreshold = DEFAULT_ERROR_THRESHOLD;
  selectedBlock: string | undefined;
  progress: ProgressEvent[] = [];
  exploreResult: ExploreResult | undefined;
  busy: { busy: boolean; what?: string } = { busy: false };
  private readonly listeners: ((change: Change) => void)[] = [];

  subscribe(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  block(id: string | undefined): BlockStats | undefined {
    return id === undefined ? undefined : this.report?.blocks.find((b) => b.id === id);
  }

  /** the block the views detail: the selected one, else the first */
  focusBlock(): BlockStats | undefined {
    return this.block(this.selectedBlock) ?? this.report?.blocks[0];
  }

  /** a block is flagged when its one-block or chain max-abs reconstruction error exceeds the threshold,
   *  or is not a number (as the editor's diagnostics do) */
  isFlagged(block: BlockStats): boolean {
    const r = block.reconstruction;
    if (r === null) return false;
    return !(Math.max(r.maxAbs, r.chainMaxAbs) <= this.errorThreshold);
  }

  addProgress(event: ProgressEvent): void {
    const last = this.progress.at(-1);
    if (last !== undefined && last.runId !== event.runId) this.progress = [];
    this.progress.push(event);
  }
}
