// The status-bar item of a running engine: its backend, and while training the epoch, loss and backend.
import * as vscode from 'vscode';
import type { ProgressEvent } from '../protocol/engineApi';
import type { RunEnd } from '../protocol/webviewMessages';

export class EngineStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('revnet.engine', vscode.StatusBarAlignment.Left, 10);
  private backend = '…';

  constructor() {
    this.item.name = 'RevNet engine';
    this.item.text = '$(circuit-board) RevNet';
    this.item.tooltip = 'RevNet engine running: click to show its log';
    this.item.command = 'revnet.showLog';
    this.item.show();
  }

  showBackend(backend: string): void {
    this.backend = backend;
    this.item.text = `$(circuit-board) RevNet: ${backend}`;
  }

  showProgress(event: ProgressEvent): void {
    this.backend = event.backend;
    if (event.kind === 'done') {
      this.item.text = `$(check) RevNet: trained, loss ${event.loss.toFixed(4)} · ${event.backend}`;
      this.item.command = 'revnet.showLog';
      this.item.tooltip = 'Training finished: click to show the log';
      return;
    }
    // event.epoch counts finished epochs; event.step counts steps since the run began
    this.item.text = `$(sync~spin) RevNet: epoch ${Math.min(event.epoch + 1, event.epochs)}/${event.epochs} · step ${event.step} · loss ${event.loss.toFixed(4)} · ${event.backend}`;
    this.item.tooltip = 'Training: click to stop (a checkpoint is written)';
    this.item.command = 'revnet.stopTraining';
  }

  /** the run is over: no spinner, the outcome in words (a stop says whether its checkpoint was saved, as the notification does) */
  showRunEnd(end: RunEnd): void {
    const icon = end.status === 'finished' ? '$(check)' : end.status === 'cancelled' ? '$(debug-stop)' : '$(error)';
    this.item.text = `${icon} RevNet: ${end.status === 'finished' ? 'trained' : end.status === 'cancelled' ? stoppedText(end) : end.status} · ${this.backend}`;
    this.item.tooltip = `${end.text} Click to show the log.`;
    this.item.command = 'revnet.showLog';
  }

  showTraining(text: string | undefined): void {
    this.item.text = text ?? `$(circuit-board) RevNet: ${this.backend}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** "stopped at step N (checkpoint saved)": the words of the run's own summary (extension/commands/runEnd.ts) */
function stoppedText(end: RunEnd): string {
  const said = /stopped at step \d+ \([^)]*\)/.exec(end.text);
  return said !== null ? said[0] : `stopped at step ${end.step ?? '?'}`;
}
