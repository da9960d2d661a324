// The extension's context: owns the engine process (through EngineClient), the "RevNet" output
// channel, the inspection cache and two disposal scopes — one for the extension's lifetime and one
// for the running engine's (cleared when the engine stops or dies).
import * as vscode from 'vscode';
import { Requests, type ProgressEvent } from '../protocol/engineApi';
import { EngineErrorCodes } from '../protocol/engineErrors';
import type { RunEnd } from '../protocol/webviewMessages';
import { config, settingsNeedingEngineRestart } from './config';
import { EngineClient, EngineCrashedError, EngineRequestError, type EngineExit } from './engine/engineClient';
import { InspectionStore } from './inspections';
import { ModelPairs } from './model/modelPairs';
import { EngineStatusItem } from './statusBar';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly engine: EngineClient;
  readonly inspections: InspectionStore;
  readonly modelPairs: ModelPairs;
  /** the config last trained, inspected or opened: the default model for Invert Tensor… */
  lastModel: vscode.Uri | undefined;
  /** set while a training runs */
  training: { configUri: vscode.Uri; cancel: vscode.CancellationTokenSource } | undefined;

  private readonly progressEvents = new vscode.EventEmitter<ProgressEvent>();
  readonly onProgress = this.progressEvents.event;
  /** a training run of this window ended (finished, stopped, diverged or failed) */
  private readonly runEnds = new vscode.EventEmitter<RunEnd>();
  readonly onTrainingEnded = this.runEnds.event;
  /** disposed when the extension deactivates */
  private readonly subscriptions: { dispose(): unknown }[] = [];
  /** disposed when the engine process stops or dies */
  private engineSubscriptions: { dispose(): unknown }[] = [];
  private status: EngineStatusItem | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('RevNet', { log: true });
    this.modelPairs = new ModelPairs(extension.workspaceState);
    this.inspections = new InspectionStore(extension.storageUri);
    this.engine = new EngineClient({
      enginePath: vscode.Uri.joinPath(extension.extensionUri, 'dist', 'engine.js').fsPath,
      backend: () => config.backend(),
      onLog: (event, source) => {
        const line = source === 'engine' ? event.message : `[${source}] ${event.message}`;
        if (event.level === 'error') this.output.error(line);
        else if (event.level === 'warn') {
          this.output.warn(line);
          // stability tracking (engine/stability/tracking.ts): a block first crossed the error threshold
          if (event.message.startsWith('stability: ')) void vscode.window.showWarningMessage(`RevNet ${event.message}`);
        }
        else this.output.info(line);
      },
      onProgress: (event) => {
        this.status?.showProgress(event);
        this.progressEvents.fire(event);
      },
      onStart: () => this.engineStarted(),
      onCrash: (exit) => this.engineCrashed(exit),
    });
    this.pushDisposable(this.output, this.inspections, this.progressEvents, this.runEnds);
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
    if (error instanceof EngineRequestError && error.code === EngineErrorCodes.cancelled) {
      // the user cancelled: nothing failed
      this.output.info(`${what}: cancelled`);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.output.error(`${what}: ${message}`);
    // several problems (a config's schema errors) are a list: a notification would run them together
    const [first = message, ...rest] = message.split('\n');
    const choice =
      rest.length > 0
        ? await vscode.window.showErrorMessage(`RevNet: ${what} failed: ${first}`, { modal: true, detail: rest.join('\n') }, 'Show Log')
        : await vscode.window.showErrorMessage(`RevNet: ${what} failed: ${message}`, 'Show Log');
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

  trainingStarted(configUri: vscode.Uri): void {
    this.output.info(`training started: ${configUri.fsPath}`);
  }

  /** the status bar stops spinning and open panels leave "State: training", whatever the outcome */
  trainingEnded(end: RunEnd): void {
    this.status?.showRunEnd(end);
    this.runEnds.fire(end);
  }

  dispose(): void {
    this.clearEngineScope();
    for (const item of this.subscriptions) item.dispose();
  }
}
