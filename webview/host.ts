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

  loadState(): Partial<PanelState> {
    const state = this.api.getState();
    if (typeof state !== 'object' || state === null) return {};
    const record = state as Record<string, unknown>;
    const result: Partial<PanelState> = {};
    if (typeof record['view'] === 'string') result.view = record['view'] as PanelState['view'];
    if (typeof record['selectedBlock'] === 'string') result.selectedBlock = record['selectedBlock'];
    if (typeof record['modelKey'] === 'string') result.modelKey = record['modelKey'];
    return result;
  }

  saveState(state: PanelState): void {
    this.api.setState(state);
  }
}
