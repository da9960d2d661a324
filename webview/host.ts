// The link to the extension: acquireVsCodeApi (once per page), outgoing messages with ids, and the kept state.
import { encodeNonFinite } from '../protocol/nonFinite';
import type { PanelState, WebviewToHost } from '../protocol/webviewMessages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Distributes Omit over a union, so each message keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type OutgoingMessage = WithoutId<WebviewToHost>;

export class Host {
  private readonly api: VsCodeApi;
  private nextId = 1;
  /** everything kept with setState: the panel's fields (PanelState) and each view's own entries */
  private kept: Record<string, unknown> | undefined;

  constructor() {
    this.api =
      typeof acquireVsCodeApi === 'function'
        ? acquireVsCodeApi()
        : // outside VS Code (a plain browser), messages go nowhere and state lives for the page only
          (() => {
            let state: unknown;
            return { postMessage: () => undefined, getState: () => state, setState: (s: unknown) => void (state = s) };
          })();
  }

  /** sends a message and returns its id */
  post(message: OutgoingMessage): number {
    const id = this.nextId++;
    // JSON on the way: NaN and ±Infinity travel as tags (protocol/nonFinite.ts)
    this.api.postMessage(encodeNonFinite({ ...message, id }));
    return id;
  }

  private keptState(): Record<string, unknown> {
    if (this.kept === undefined) {
      const state = this.api.getState();
      this.kept = typeof state === 'object' && state !== null && !Array.isArray(state) ? { ...(state as Record<string, unknown>) } : {};
    }
    return this.kept;
  }

  loadState(): Partial<PanelState> {
    const record = this.keptState();
    const result: Partial<PanelState> = {};
    if (typeof record['view'] === 'string') result.view = record['view'] as PanelState['view'];
    if (typeof record['selectedBlock'] === 'string') result.selectedBlock = record['selectedBlock'];
    if (typeof record['modelKey'] === 'string') result.modelKey = record['modelKey'];
    return result;
  }

  /** the panel's own fields; a view's entries (saveViewState) are kept */
  saveState(state: PanelState): void {
    const { view: _view, selectedBlock: _block, modelKey: _model, ...views } = this.keptState();
    this.kept = { ...views, ...state };
    this.api.setState(this.kept);
  }

  /** what a view kept under its name (undefined when nothing was kept): untrusted shape, the view checks it */
  loadViewState(name: string): unknown {
    return this.keptState()[`view:${name}`];
  }

  /** keeps a view's entry with the panel's state (JSON: encode non-finite numbers first) */
  saveViewState(name: string, value: unknown): void {
    this.kept = { ...this.keptState(), [`view:${name}`]: value };
    this.api.setState(this.kept);
  }
}
