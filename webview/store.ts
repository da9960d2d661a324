// The panel's state: the report, the settings, the selected block and the training series.
// main.ts names each change (Change), so that only the views depending on it redraw.
import { exceedsThreshold } from '../protocol/nonFinite';
import type { ExploreResult, ProgressEvent } from '../protocol/engineApi';
import type { BlockStats, InspectReport } from '../protocol/inspectReport';
import { SETTING_DEFAULTS } from '../shared/settingDefaults';
import type { RunEnd } from '../protocol/webviewMessages';

export type Change = 'report' | 'threshold' | 'selection' | 'progress' | 'explore' | 'busy' | 'theme';

export class Store {
  report: InspectReport | undefined;
  errorThreshold = SETTING_DEFAULTS.errorThreshold;
  selectedBlock: string | undefined;
  progress: ProgressEvent[] = [];
  /** how the last run ended, once it has (undefined while it runs) */
  runEnd: RunEnd | undefined;
  exploreResult: ExploreResult | undefined;
  /** the host holds the result's tensors (it answered in this page's life): they can be saved */
  exploreLive = false;
  busy: { busy: boolean; what?: string } = { busy: false };
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
    return exceedsThreshold(r.maxAbs, this.errorThreshold) || exceedsThreshold(r.chainMaxAbs, this.errorThreshold);
  }

  /** the whole history of the model's run (read from its run folder), replacing what was drawn */
  setHistory(events: ProgressEvent[], end: RunEnd | undefined): void {
    // JSON turns a diverged (non-finite) loss into null: such points are left out of the curves
    this.progress = events.map((e) => ({ ...e, loss: typeof e.loss === 'number' ? e.loss : Number.NaN, accuracy: typeof e.accuracy === 'number' ? e.accuracy : Number.NaN }));
    this.runEnd = end;
  }

  addProgress(event: ProgressEvent): void {
    const last = this.progress.at(-1);
    if (last?.runId !== event.runId) {
      if (last !== undefined) this.progress = [];
      this.runEnd = undefined;
    }
    this.progress.push(event);
  }
}
