// The host side of the inspection panel: creates the webview (CSP with a crypto nonce, resources only
// from dist/ and media/), gives every message from it to PanelMessageRouter (which validates it and checks its
// order) with vscode's effects: explore on the engine, tensors saved only where the user chose in a save
// dialog, the editor's selection kept in step with the panel's.
import { decodeNonFinite, encodeNonFinite } from '../../protocol/nonFinite';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/engineApi';
import type { PanelState } from '../../protocol/webviewMessages';
import { panelHtml } from './panelHtml';
import { config } from '../config';
import { explainDataError, settledData } from '../dataChoice';
import { NPY_TO_INVERT, pickFile } from '../commands/pickFiles';
import { baseName } from '../model/modelPairs';
import type { Ctx } from '../context';
import { PanelMessageRouter, type Outgoing, type PanelEffects } from './panelMessageRouter';
import { revealBlock } from './revealBlock';
import { historyEnd, readRunHistory } from './runHistoryFile';
import { restoredModel, withoutPanel, withPanel } from './restoredModel';

export const PANEL_VIEW_TYPE = 'revnet.inspection';
/** workspace state: the config URIs of the open panels, for restoring each to its own model after a reload */
const PANEL_MODELS_KEY = 'revnet.panelModels';

/** the tab's title: which model this panel shows */
function panelTitle(configUri: vscode.Uri): string {
  return `RevNet: ${baseName(configUri)}`;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

async function existingStyles(extensionUri: vscode.Uri): Promise<vscode.Uri[]> {
  const found: vscode.Uri[] = [];
  for (const path of [['media', 'panel.css'], ['media', 'architecture.css'], ['dist', 'webview.css']]) {
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

/** One panel per model: a panel's title names its model, and it never shows another model's numbers. */
export class InspectionPanel implements vscode.Disposable {
  /** open panels by their model's config URI */
  private static readonly byModel = new Map<string, InspectionPanel>();
  /** the panel shown or revealed last (the editor's selection follows it) */
  private static last: InspectionPanel | undefined;

  private readonly router: PanelMessageRouter;
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens (or reveals) the panel for a config's model, optionally at a block. */
  static show(ctx: Ctx, configUri: vscode.Uri, blockId?: string): InspectionPanel {
    const existing = InspectionPanel.byModel.get(configUri.toString());
    if (existing !== undefined) {
      InspectionPanel.last = existing;
      existing.panel.reveal(undefined, true);
      if (blockId !== undefined) existing.selectBlock(blockId);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      panelTitle(configUri),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(ctx.extension.extensionUri),
    );
    const created = new InspectionPanel(ctx, panel, configUri.toString());
    if (blockId !== undefined) created.router.selectBlock(blockId);
    return created;
  }

  /** Restores a panel after a window reload (WebviewPanelSerializer): each to the model it showed. */
  static revive(ctx: Ctx, panel: vscode.WebviewPanel, state: unknown): InspectionPanel {
    const saved = (typeof state === 'object' && state !== null ? state : {}) as Partial<PanelState>;
    panel.webview.options = webviewOptions(ctx.extension.extensionUri);
    const restored = restoredModel({
      savedKey: typeof saved.modelKey === 'string' ? saved.modelKey : undefined,
      title: panel.title,
      recorded: InspectionPanel.recorded(ctx),
      claimed: new Set(InspectionPanel.byModel.keys()),
      titleOf: (key) => panelTitle(vscode.Uri.parse(key)),
      fileUri: (path) => vscode.Uri.file(path).toString(),
    });
    const key = restored.kind === 'uri' && !InspectionPanel.byModel.has(restored.key) ? restored.key : undefined;
    ctx.output.info(`panel: restoring "${panel.title}" to ${key ?? restored.kind} (its page kept ${typeof saved.modelKey === 'string' ? 'its model' : 'no model'}, view ${String(saved.view)})`);
    const revived = new InspectionPanel(ctx, panel, key);
    if (typeof saved.selectedBlock === 'string') revived.router.selectBlock(saved.selectedBlock);
    if (restored.kind === 'lookup') {
      // an older page kept only the model's name or path: find the inspection it names
      void ctx.inspections.findForPanel(restored.key).then((inspection) => {
        if (inspection !== undefined) revived.setModel(inspection.configUri);
      });
    }
    return revived;
  }

  private static recorded(ctx: Ctx): string[] {
    const value = ctx.extension.workspaceState.get<unknown>(PANEL_MODELS_KEY);
    return Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : [];
  }

  /** set while the extension deactivates (a window reload): panels closing then are restored, not forgotten */
  private static deactivating = false;

  private static record(ctx: Ctx, update: (recorded: string[]) => string[]): void {
    if (InspectionPanel.deactivating) return;
    void ctx.extension.workspaceState.update(PANEL_MODELS_KEY, update(InspectionPanel.recorded(ctx)));
  }

  static get active(): InspectionPanel | undefined {
    return InspectionPanel.last;
  }

  static disposeAll(): void {
    InspectionPanel.deactivating = true;
    for (const panel of [...InspectionPanel.byModel.values()]) panel.dispose();
    InspectionPanel.last?.dispose();
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private modelKey: string | undefined,
  ) {
    if (modelKey !== undefined) {
      InspectionPanel.byModel.set(modelKey, this);
      InspectionPanel.record(ctx, (recorded) => withPanel(recorded, modelKey));
      panel.title = panelTitle(vscode.Uri.parse(modelKey));
    }
    InspectionPanel.last = this;
    this.router = new PanelMessageRouter(this.effects());
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'icons', 'revnet.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.router.receive(decodeNonFinite(raw))),
      ctx.inspections.onDidChange((inspection) => {
        if (inspection.configUri.toString() === this.modelKey) this.sendReport();
      }),
      ctx.onProgress((event) => {
        // the panel of the model being trained draws its curves; other panels are not about that run
        if (ctx.training === undefined || ctx.training.configUri.toString() === this.modelKey) this.post({ type: 'progress', event });
      }),
      ctx.onTrainingEnded((end) => {
        this.post({ type: 'runEnded', end });
        void this.sendHistory();
      }),
      panel.onDidChangeViewState((event) => {
        if (event.webviewPanel.active) InspectionPanel.last = this;
      }),
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
      ...(this.modelKey === undefined ? {} : { modelKey: this.modelKey }),
    });
  }

  /** gives a revived panel its model (a panel never changes model once it has one) */
  setModel(configUri: vscode.Uri): void {
    const key = configUri.toString();
    if (key === this.modelKey) return;
    if (this.modelKey !== undefined) throw new Error(`this panel shows ${this.modelKey}, not ${key}`);
    const other = InspectionPanel.byModel.get(key);
    if (other !== undefined && other !== this) {
      // that model already has its panel (one panel per model): this duplicate goes, the other stays
      this.dispose();
      return;
    }
    this.modelKey = key;
    InspectionPanel.byModel.set(key, this);
    InspectionPanel.record(this.ctx, (recorded) => withPanel(recorded, key));
    this.panel.title = panelTitle(configUri);
    this.router.forgetExploreResult();
    this.sendReport();
  }

  /** a failure of a request this panel made: a banner over the last good numbers, which stay */
  showError(message: string): void {
    this.post({ type: 'error', message });
  }

  setBusy(busy: boolean, what?: string): void {
    this.post(what === undefined ? { type: 'busy', busy } : { type: 'busy', busy, what });
  }

  selectBlock(blockId: string): void {
    this.router.selectBlock(blockId);
  }

  post(message: Outgoing): void {
    this.router.post(message);
  }

  private sendReport(): void {
    if (!this.router.isReady || this.modelKey === undefined) return;
    const inspection = this.ctx.inspections.get(vscode.Uri.parse(this.modelKey));
    if (inspection === undefined) return;
    this.post({ type: 'report', report: inspection.report });
  }

  /** the model's run history from its run folder: curves for any trained model, after a reload or a hidden run */
  private async sendHistory(): Promise<void> {
    const uri = this.modelUri;
    if (!this.router.isReady || uri === undefined) return;
    // also while it trains: the file holds the steps this panel missed while it was hidden
    const found = await readRunHistory(uri);
    if (found === undefined || found.history.progress.length === 0) return;
    const end = historyEnd(found.history);
    const events = found.history.progress.map(({ type: _type, learningRate: _lr, time: _time, ...event }) => event);
    this.post(end === undefined ? { type: 'history', events, file: found.file.fsPath } : { type: 'history', events, end, file: found.file.fsPath });
  }

  private requireModel(): vscode.Uri {
    const uri = this.modelUri;
    if (uri === undefined) throw new Error('this panel has no model; run RevNet: Inspect Model');
    return uri;
  }

  /** vscode's side of the router: what each decision does */
  private effects(): PanelEffects {
    const { ctx } = this;
    return {
      // webview messages are JSON: NaN and ±Infinity travel as tags (protocol/nonFinite.ts)
      post: (message) => void this.panel.webview.postMessage(encodeNonFinite(message)),
      warn: (text) => ctx.output.warn(text),
      error: (text) => ctx.output.error(text),
      errorThreshold: () => config.errorThreshold(),
      hasModel: () => this.modelKey !== undefined,
      restoreAndSendReport: async () => {
        if (this.modelKey !== undefined) await ctx.inspections.restore(this.modelKey);
        this.sendReport();
        await this.sendHistory();
      },
      currentReport: () => (this.modelKey === undefined ? undefined : ctx.inspections.get(vscode.Uri.parse(this.modelKey))?.report),
      revealBlock: async (blockId) => {
        const uri = this.modelUri;
        if (uri !== undefined) await revealBlock(uri, blockId);
      },
      refresh: async () => {
        await vscode.commands.executeCommand('revnet.inspectModel', this.requireModel());
      },
      pickNpyFile: async () => {
        return (await pickFile(NPY_TO_INVERT.title, NPY_TO_INVERT.filters))?.fsPath;
      },
      explore: async (source, edits) => {
        if (!vscode.workspace.isTrusted) throw new Error('inverting runs the engine on this workspace\'s model; it is off in Restricted Mode (trust the workspace to use it)');
        const uri = this.requireModel();
        const model = ctx.inspections.get(uri)?.model ?? (await ctx.modelPairs.modelFor(uri));
        // the same data rule as Inspect (revnet.defaultData; "ask" follows the model here, as the view cannot ask per edit)
        try {
          return await ctx.engine.request(Requests.explore, { model, data: settledData(), source, edits, ...config.memoryLimit() });
        } catch (error) {
          throw explainDataError(error);
        }
      },
      askSavePath: async (which) => {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const defaultUri = folder === undefined ? undefined : vscode.Uri.joinPath(folder, `${which}.npy`);
        const target = await vscode.window.showSaveDialog({
          filters: { NumPy: ['npy'] },
          saveLabel: 'Save tensor',
          ...(defaultUri === undefined ? {} : { defaultUri }),
        });
        if (target === undefined) return undefined;
        if (target.scheme !== 'file') throw new Error(`cannot save to ${target.toString()}: only local files`);
        return target.fsPath;
      },
      writeTensor: async (tensor, path) => {
        await ctx.engine.request(Requests.saveTensor, { tensor, path });
      },
    };
  }

  dispose(): void {
    const key = this.modelKey;
    if (key !== undefined && InspectionPanel.byModel.get(key) === this) {
      InspectionPanel.byModel.delete(key);
      InspectionPanel.record(this.ctx, (recorded) => withoutPanel(recorded, key));
    }
    if (InspectionPanel.last === this) InspectionPanel.last = undefined;
    for (const item of this.disposables.splice(0)) item.dispose();
    this.panel.dispose();
  }
}
