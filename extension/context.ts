// The extension's context: owns the engine process (through EngineClient), the "RevNet" output
// channel, the inspection cache and two disposal scopes — one for the extension's lifetime and one
// for the running engine's (cleared when the engine stops or dies).
import * as vscode from 'vscode';
import { Requests, type ProgressEvent } from '../protocol/engineApi';
import { config, settingsNeedingEngineRestart } from './config';
import { EngineClient, EngineCrashedError, type EngineExit } from './engine/engineClient';
import { InspectionStore } from './inspections';
import { ModelFiles } from './modelFiles';
import { EngineStatusItem } from './statusBar';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly engine: EngineClient;
  readonly inspections: InspectionStore;
  readonly modelFiles: ModelFiles;
  /** the config last trained, inspected or opened: the default model for Invert Tensor… */
  lastModel: vscode.Uri | undefined;
  /** set while a training runs */
  training: { configUri: vscode.Uri; cancel: vscode.CancellationTokenSource } | undefined;

  private readonly progressEvents = new vscode.EventEmitter<ProgressEvent>();
  readonly onProgress = this.progressEvents.event;
  /** disposed when the extension deactivates */
  private readonly subscriptions: { dispose(): unknown }[] = [];
  /** disposed when the engine process stops or dies */
  private engineSubscriptions: { dispose(): unknown }[] = [];
  private status: EngineStatusItem | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('RevNet', { log: true });
    this.modelFiles = new ModelFiles(extension.workspaceState);
    this.inspections = new InspectionStore(extension.storageUri);
    this.engine = new EngineClient({
      enginePath: vscode.Uri.joinPath(extension.extensionUri, 'dist', 'engine.js').fsPath,
      backend: () => config.backend(),
      onLog: (event, source) => {
        const line = source === 'engine' ? event.message : `[${source}] ${event.message}`;
        if (event.level === 'error') this.output.error(line);
        else if (event.level === 'warn') this.output.warn(line);
        else this.output.info(line);
      },
      onProgress: (event) => {
        this.status?.showProgress(event);
        this.progressEvents.fire(event);
      },
      onStart: () => this.engineStarted(),
      onCrash: (exit) => this.engineCrashed(exit),
    });
    this.pushDisposable(this.output, this.inspections, this.progressEvents);
    this.pushDisposable(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (settingsNeedingEngineRestart.some((key) => event.affectsConfiguration(key)) && this.training === undefined) {
          this.output.info('backend setting changed: the next request starts a new engine');
          void this.stopEngine();
        }
      }),
    );
  }

  pushDisposable(...items: { dispose(): unknown }[]): void {
    this.subscriptions.push(...items);
  }

  pushEngineDisposable(...items: { dispose(): unknown }[]): void {
    this.engineSubscriptions.push(...items);
  }

  showLog(): void {
    this.output.show(true);
  }

  /** Shows an operation's failure with a "Show Log" button (a crash was already reported). */
  async reportError(error: unknown, what: string): Promise<void> {
    if (error instanceof EngineCrashedError) return;
    const message = error instanceof Error ? error.message : String(error);
    this.output.error(`${what}: ${message}`);
    const choice = await vscode.window.showErrorMessage(`RevNet: ${what} failed: ${message}`, 'Show Log');
    if (choice === 'Show Log') this.showLog();
  }

  async stopEngine(): Promise<void> {
    await this.engine.stop();
    this.clearEngineScope();
  }

  private engineStarted(): void {
    this.clearEngineScope();
    this.status = new EngineStatusItem();
    this.pushEngineDisposable(this.status);
    void this.engine.request(Requests.info).then(
      // the engine logs its own backend note
      (info) => this.status?.showBackend(info.backend),
      () => undefined,
    );
  }

  private engineCrashed(exit: EngineExit): void {
    this.clearEngineScope();
    const how = exit.signal !== null ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    const during = exit.during.length > 0 ? ` while running ${exit.during.join(', ')}` : '';
    void vscode.window
      .showErrorMessage(`The RevNet engine ${how}${during}. Saved files are kept; the next command starts a new engine.`, 'Show Log')
      .then((choice) => {
        if (choice === 'Show Log') this.showLog();
      });
  }

  private clearEngineScope(): void {
    for (const item of this.engineSubscriptions) item.dispose();
    this.engineSubscriptions = [];
    this.status = undefined;
  }

  setTrainingStatus(text: string | undefined): void {
    this.status?.showTraining(text);
  }

  dispose(): void {
    this.clearEngineScope();
    for (const item of this.subscriptions) item.dispose();
  }
}
