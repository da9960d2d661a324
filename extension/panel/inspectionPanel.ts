// The host side of the inspection panel: creates the webview (CSP with a crypto nonce, resources only
// from dist/ and media/), validates every message from it, forwards explore to the engine, saves
// tensors only where the user chose in a save dialog, and keeps the panel and the editor's selection in step.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests, type ExploreResult } from '../../protocol/engineApi';
import { validateWebviewMessage } from '../../protocol/validateWebviewMessage';
import type { HostToWebview, PanelState, WebviewToHost } from '../../protocol/webviewMessages';
import { panelHtml } from '../../webview/panelHtml';
import { config } from '../config';
import type { Ctx } from '../context';
import { revealBlock } from './revealBlock';

export const PANEL_VIEW_TYPE = 'revnet.inspection';
/** workspace state: the config URI the panel shows, for restoring it after a reload */
const PANEL_MODEL_KEY = 'revnet.panelModel';

type Outgoing = HostToWebview extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

async function existingStyles(extensionUri: vscode.Uri): Promise<vscode.Uri[]> {
  const found: vscode.Uri[] = [];
  for (const path of [['media', 'panel.css'], ['dist', 'webview.css']]) {
    const uri = vscode.Uri.joinPath(extensionUri, ...path);
    try {
      await vscode.workspace.fs.stat(uri);
      found.push(uri);
    } catch {
      // not built or not shipped: the page works without it
    }
  }
  return found;
}

export class InspectionPanel implements vscode.Disposable {
  private static current: InspectionPanel | undefined;

  private nextId = 1;
  private lastExplore: ExploreResult | undefined;
  private pendingBlock: string | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** messages refused so far (issue 7 counts them) */
  refused = 0;

  /** Opens (or reveals) the panel for a config's model, optionally at a block. */
  static show(ctx: Ctx, configUri: vscode.Uri, blockId?: string): InspectionPanel {
    const existing = InspectionPanel.current;
    if (existing !== undefined) {
      existing.setModel(configUri);
      existing.panel.reveal(undefined, true);
      if (blockId !== undefined) existing.selectBlock(blockId);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'RevNet Inspector',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(ctx.extension.extensionUri),
    );
    const created = new InspectionPanel(ctx, panel, configUri.toString());
    void ctx.extension.workspaceState.update(PANEL_MODEL_KEY, configUri.toString());
    if (blockId !== undefined) created.pendingBlock = blockId;
    return created;
  }

  /** Restores a panel after a window reload (WebviewPanelSerializer). */
  static revive(ctx: Ctx, panel: vscode.WebviewPanel, state: unknown): InspectionPanel {
    const saved = (typeof state === 'object' && state !== null ? state : {}) as Partial<PanelState>;
    panel.webview.options = webviewOptions(ctx.extension.extensionUri);
    const revived = new InspectionPanel(ctx, panel, undefined);
    if (typeof saved.selectedBlock === 'string') revived.pendingBlock = saved.selectedBlock;
    // The host's own record of the panel's model comes first; the webview's key is the fallback.
    const hostKey = ctx.extension.workspaceState.get<string>(PANEL_MODEL_KEY);
    const keys = [hostKey, typeof saved.modelKey === 'string' ? saved.modelKey : undefined].filter((k): k is string => k !== undefined);
    void (async () => {
      for (const key of keys) {
        const inspection = await ctx.inspections.findForPanel(key);
        if (inspection !== undefined) {
          revived.setModel(inspection.configUri);
          return;
        }
      }
    })();
    return revived;
  }

  static get active(): InspectionPanel | undefined {
    return InspectionPanel.current;
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private modelKey: string | undefined,
  ) {
    InspectionPanel.current?.dispose();
    InspectionPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'icons', 'revnet.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      ctx.inspections.onDidChange((inspection) => {
        if (inspection.configUri.toString() === this.modelKey) this.sendReport();
      }),
      ctx.onProgress((event) => this.post({ type: 'progress', event })),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('revnet.errorThreshold')) this.post({ type: 'settings', errorThreshold: config.errorThreshold() });
      }),
    );
    this.render().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      ctx.output.error(`panel: could not build the page: ${message}`);
      void vscode.window.showErrorMessage(`RevNet: the panel could not be shown: ${message}`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') ctx.showLog();
      });
    });
  }

  get modelUri(): vscode.Uri | undefined {
    return this.modelKey === undefined ? undefined : vscode.Uri.parse(this.modelKey);
  }

  private async render(): Promise<void> {
    const { webview } = this.panel;
    const extensionUri = this.ctx.extension.extensionUri;
    const styles = await existingStyles(extensionUri);
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUris: styles.map((uri) => webview.asWebviewUri(uri).toString()),
      title: 'RevNet Inspector',
    });
  }

  setModel(configUri: vscode.Uri): void {
    const key = configUri.toString();
    if (key === this.modelKey) return;
    this.modelKey = key;
    void this.ctx.extension.workspaceState.update(PANEL_MODEL_KEY, key);
    this.lastExplore = undefined;
    this.sendReport();
  }

  setBusy(busy: boolean, what?: string): void {
    this.post(what === undefined ? { type: 'busy', busy } : { type: 'busy', busy, what });
  }

  selectBlock(blockId: string): void {
    if (this.ready) this.post({ type: 'selectBlock', blockId });
    else this.pendingBlock = blockId;
  }

  post(message: Outgoing): void {
    void this.panel.webview.postMessage({ ...message, id: this.nextId++ });
  }

  private sendReport(): void {
    if (!this.ready || this.modelKey === undefined) return;
    const inspection = this.ctx.inspections.get(vscode.Uri.parse(this.modelKey));
    if (inspection === undefined) return;
    this.panel.title = `RevNet: ${inspection.report.model.name}`;
    this.post({ type: 'report', report: inspection.report });
  }

  private async receive(raw: unknown): Promise<void> {
    const checked = validateWebviewMessage(raw);
    if (!checked.ok) {
      this.refused++;
      this.ctx.output.warn(`panel: refused a message from the webview: ${checked.reason}`);
      this.post(checked.id === undefined ? { type: 'error', message: `Refused: ${checked.reason}` } : { type: 'error', replyTo: checked.id, message: `Refused: ${checked.reason}` });
      return;
    }
    const message = checked.message;
    try {
      await this.handle(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.ctx.output.error(`panel: ${message.type} failed: ${text}`);
      this.post({ type: 'error', replyTo: message.id, message: text });
    }
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.post({ type: 'settings', errorThreshold: config.errorThreshold() });
        if (this.modelKey !== undefined) await this.ctx.inspections.restore(this.modelKey);
        this.sendReport();
        if (this.pendingBlock !== undefined) {
          this.post({ type: 'selectBlock', blockId: this.pendingBlock });
          this.pendingBlock = undefined;
        }
        return;
      }
      case 'blockSelected': {
        const uri = this.modelUri;
        if (uri !== undefined) await revealBlock(uri, message.blockId);
        return;
      }
      case 'viewChanged':
        return;
      case 'refresh': {
        const uri = this.modelUri;
        if (uri === undefined) throw new Error('this panel has no model; run RevNet: Inspect Model');
        await vscode.commands.executeCommand('revnet.inspectModel', uri);
        return;
      }
      case 'explore':
        await this.explore(message);
        return;
      case 'saveTensor':
        await this.saveTensor(message);
        return;
    }
  }

  private async explore(message: Extract<WebviewToHost, { type: 'explore' }>): Promise<void> {
    const uri = this.modelUri;
    if (uri === undefined) throw new Error('this panel has no model; run RevNet: Inspect Model');
    let source: { sample: number } | { npyPath: string };
    if ('sample' in message.source) {
      source = { sample: message.source.sample };
    } else {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { NumPy: ['npy'] }, title: 'A .npy image to invert' });
      if (picked?.[0] === undefined) {
        this.post({ type: 'busy', busy: false, replyTo: message.id });
        return;
      }
      source = { npyPath: picked[0].fsPath };
    }
    const model = (this.ctx.inspections.get(uri)?.model) ?? (await this.ctx.modelFiles.modelFor(uri));
    this.post({ type: 'busy', busy: true, what: 'inverting', replyTo: message.id });
    try {
      const result = await this.ctx.engine.request(Requests.explore, { model, data: { kind: 'mnist' }, source, edits: message.edits, ...config.memoryLimit() });
      this.lastExplore = result;
      this.post({ type: 'exploreResult', replyTo: message.id, result });
    } finally {
      this.post({ type: 'busy', busy: false });
    }
  }

  private async saveTensor(message: Extract<WebviewToHost, { type: 'saveTensor' }>): Promise<void> {
    const result = this.lastExplore;
    if (result === undefined) throw new Error('nothing to save yet: invert a sample first');
    const tensor = result[message.which];
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const defaultUri = folder === undefined ? undefined : vscode.Uri.joinPath(folder, `${message.which}.npy`);
    // The path comes from the user's own save dialog, never from the webview.
    const target = await vscode.window.showSaveDialog({
      filters: { NumPy: ['npy'] },
      saveLabel: 'Save tensor',
      ...(defaultUri === undefined ? {} : { defaultUri }),
    });
    if (target === undefined) return;
    if (target.scheme !== 'file') throw new Error(`cannot save to ${target.toString()}: only local files`);
    await this.ctx.engine.request(Requests.saveTensor, { tensor, path: target.fsPath });
    this.post({ type: 'saved', replyTo: message.id, path: target.fsPath });
  }

  dispose(): void {
    if (InspectionPanel.current === this) InspectionPanel.current = undefined;
    for (const item of this.disposables.splice(0)) item.dispose();
    this.panel.dispose();
  }
}
