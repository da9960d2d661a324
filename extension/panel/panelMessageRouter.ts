// The inspection panel's decisions about messages from the webview, without vscode: validate, check the
// message fits the panel's state (ready first, a result before saving it,
// a block that is in the report, one explore at a time), dispatch by type, and answer a refusal or a
// failure with an `error` message. Every effect (posting, logging, the engine, dialogs, writing) comes in
// through PanelEffects, so inspectionPanel.ts supplies vscode and the tests supply fakes.
import type { ExploreResult, OutputEdit } from '../../protocol/engineApi';
import type { InspectReport } from '../../protocol/inspectReport';
import type { PlainTensor } from '../../protocol/tensor';
import { validateWebviewMessage } from '../../protocol/validateWebviewMessage';
import type { HostToWebview, WebviewToHost } from '../../protocol/webviewMessages';

/** a host → webview message before the router gives it its id */
export type Outgoing = HostToWebview extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;
export type TensorName = Extract<WebviewToHost, { type: 'saveTensor' }>['which'];
export type ExploreSource = { sample: number } | { npyPath: string };

export interface PanelEffects {
  /** sends a message (with its id) to the webview */
  post(message: HostToWebview): void;
  warn(text: string): void;
  error(text: string): void;
  errorThreshold(): number;
  /** whether the panel shows a model (explore and refresh need one) */
  hasModel(): boolean;
  /** the webview loaded: restore the model's inspection and send its report */
  restoreAndSendReport(): Promise<void>;
  /** the report the panel shows, if any (block ids are checked against it) */
  currentReport(): InspectReport | undefined;
  revealBlock(blockId: string): Promise<void>;
  refresh(): Promise<void>;
  /** the user's pick of a .npy file; undefined when cancelled */
  pickNpyFile(): Promise<string | undefined>;
  /** runs explore on the engine for the panel's model */
  explore(source: ExploreSource, edits: OutputEdit[]): Promise<ExploreResult>;
  /** the local path the user chose in a save dialog; undefined when cancelled */
  askSavePath(which: TensorName): Promise<string | undefined>;
  writeTensor(tensor: PlainTensor, path: string): Promise<void>;
}

/** a message that is well-formed but does not fit the panel's state */
class Refusal extends Error {}

export class PanelMessageRouter {
  private nextId = 1;
  private ready = false;
  private exploring = false;
  private lastExplore: ExploreResult | undefined;
  private pendingBlock: string | undefined;
  /** messages refused so far, malformed or out of order */
  refused = 0;
  private refreshing = false;
  private refreshAgain = false;
  /** refresh messages merged into a running or pending one */
  coalescedRefreshes = 0;

  constructor(private readonly effects: PanelEffects) {}

  get isReady(): boolean {
    return this.ready;
  }

  post(message: Outgoing): void {
    this.effects.post({ ...message, id: this.nextId++ });
  }

  /** selects a block in the panel now, or once the webview is ready */
  selectBlock(blockId: string): void {
    if (this.ready) this.post({ type: 'selectBlock', blockId });
    else this.pendingBlock = blockId;
  }

  /** the panel switched model: the last explore result belongs to the old one */
  forgetExploreResult(): void {
    this.lastExplore = undefined;
  }

  async receive(raw: unknown): Promise<void> {
    const checked = validateWebviewMessage(raw);
    if (!checked.ok) {
      this.refuse(checked.reason, checked.id);
      return;
    }
    const message = checked.message;
    try {
      this.checkOrder(message);
      await this.handle(message);
    } catch (error) {
      if (error instanceof Refusal) {
        this.refuse(error.message, message.id);
        return;
      }
      const text = error instanceof Error ? error.message : String(error);
      this.effects.error(`panel: ${message.type} failed: ${text}`);
      this.post({ type: 'error', replyTo: message.id, message: text });
    }
  }

  private refuse(reason: string, id: number | undefined): void {
    this.refused++;
    this.effects.warn(`panel: refused a message from the webview: ${reason}`);
    const message = `Refused: ${reason}`;
    this.post(id === undefined ? { type: 'error', message } : { type: 'error', replyTo: id, message });
  }

  private checkOrder(message: WebviewToHost): void {
    if (message.type !== 'ready' && !this.ready) throw new Refusal(`${message.type} before the panel sent ready`);
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.post({ type: 'settings', errorThreshold: this.effects.errorThreshold() });
        await this.effects.restoreAndSendReport();
        // the page was hidden (or reloaded) and drew from its kept state: it gets the live result back, to save from
        if (this.lastExplore !== undefined) this.post({ type: 'exploreResult', result: this.lastExplore });
        if (this.pendingBlock !== undefined) {
          this.post({ type: 'selectBlock', blockId: this.pendingBlock });
          this.pendingBlock = undefined;
        }
        return;
      }
      case 'blockSelected': {
        const report = this.effects.currentReport();
        if (report === undefined) throw new Refusal(`blockSelected ${message.blockId} before the panel has a report`);
        if (!report.blocks.some((block) => block.id === message.blockId)) {
          throw new Refusal(`blockSelected names ${message.blockId}, which is not a block of ${report.model.name}`);
        }
        await this.effects.revealBlock(message.blockId);
        return;
      }
      case 'viewChanged':
        return;
      case 'refresh':
        if (!this.effects.hasModel()) throw new Error('this panel has no model; run RevNet: Inspect Model');
        await this.refresh();
        return;
      case 'explore':
        await this.explore(message);
        return;
      case 'saveTensor':
        await this.saveTensor(message);
        return;
    }
  }

  /** At most one inspection runs and one waits: refreshes that arrive meanwhile join the waiting one. */
  private async refresh(): Promise<void> {
    if (this.refreshing) {
      if (this.refreshAgain) this.coalescedRefreshes++;
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        await this.effects.refresh();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a refresh request during the await above sets it; TypeScript's narrowing does not see that
      } while (this.refreshAgain);
    } finally {
      this.refreshing = false;
      this.refreshAgain = false;
    }
  }

  private async explore(message: Extract<WebviewToHost, { type: 'explore' }>): Promise<void> {
    if (this.exploring) throw new Refusal('explore while another explore is running');
    if (!this.effects.hasModel()) throw new Error('this panel has no model; run RevNet: Inspect Model');
    this.exploring = true;
    try {
      let source: ExploreSource;
      if ('sample' in message.source) {
        source = { sample: message.source.sample };
      } else {
        const picked = await this.effects.pickNpyFile();
        if (picked === undefined) {
          this.post({ type: 'busy', busy: false, replyTo: message.id });
          return;
        }
        source = { npyPath: picked };
      }
      this.post({ type: 'busy', busy: true, what: 'inverting', replyTo: message.id });
      try {
        const result = await this.effects.explore(source, message.edits);
        this.lastExplore = result;
        this.post({ type: 'exploreResult', replyTo: message.id, result });
      } finally {
        this.post({ type: 'busy', busy: false });
      }
    } finally {
      this.exploring = false;
    }
  }

  private async saveTensor(message: Extract<WebviewToHost, { type: 'saveTensor' }>): Promise<void> {
    const result = this.lastExplore;
    if (result === undefined) throw new Refusal('saveTensor before any explore result: invert a sample first');
    // The path comes from the user's own save dialog, never from the webview.
    const path = await this.effects.askSavePath(message.which);
    if (path === undefined) return;
    await this.effects.writeTensor(result[message.which], path);
    this.post({ type: 'saved', replyTo: message.id, path });
  }
}
