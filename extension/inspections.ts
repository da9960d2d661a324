// The latest inspection of each model, keyed by its config file, for hovers, diagnostics and the panel.
// Kept in memory and in the extension's workspace storage, so a window reload finds them again.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { ModelRef } from '../protocol/engineApi';
import type { InspectReport } from '../protocol/inspectReport';

export interface Inspection {
  /** the config file the user inspected from (hovers and diagnostics attach here) */
  configUri: vscode.Uri;
  model: ModelRef;
  report: InspectReport;
}

interface StoredInspection {
  configUri: string;
  model: ModelRef;
  report: InspectReport;
}

export class InspectionStore implements vscode.Disposable {
  private readonly byConfig = new Map<string, Inspection>();
  private readonly changed = new vscode.EventEmitter<Inspection>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly storageDir: vscode.Uri | undefined) {}

  private fileFor(key: string): vscode.Uri | undefined {
    if (this.storageDir === undefined) return undefined;
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 24);
    return vscode.Uri.joinPath(this.storageDir, 'inspections', `${hash}.json`);
  }

  async set(inspection: Inspection): Promise<void> {
    const key = inspection.configUri.toString();
    this.byConfig.set(key, inspection);
    this.changed.fire(inspection);
    const file = this.fileFor(key);
    if (file === undefined) return;
    const stored: StoredInspection = { configUri: key, model: inspection.model, report: inspection.report };
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(file, '..'));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(stored)));
  }

  get(configUri: vscode.Uri): Inspection | undefined {
    return this.byConfig.get(configUri.toString());
  }

  /** The inspection for a config, from memory or from storage (after a reload). */
  async restore(key: string): Promise<Inspection | undefined> {
    const known = this.byConfig.get(key);
    if (known !== undefined) return known;
    const file = this.fileFor(key);
    if (file === undefined) return undefined;
    try {
      const stored = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file))) as StoredInspection;
      if (stored.configUri !== key || !Array.isArray((stored.report as StoredInspection['report'] | undefined)?.blocks)) return undefined;
      const inspection: Inspection = { configUri: vscode.Uri.parse(stored.configUri), model: stored.model, report: stored.report };
      this.byConfig.set(key, inspection);
      this.changed.fire(inspection);
      return inspection;
    } catch {
      return undefined;
    }
  }

  /**
   * The inspection a restored panel was showing. The webview keeps the report's config path (or the
   * model's name) as its key, so stored inspections are matched on those as well as on the config URI.
   */
  async findForPanel(key: string): Promise<Inspection | undefined> {
    const matches = (i: { configUri: string; report: InspectReport }): boolean =>
      i.configUri === key || i.report.model.configPath === key || i.report.model.name === key;
    for (const inspection of this.byConfig.values()) {
      if (matches({ configUri: inspection.configUri.toString(), report: inspection.report })) return inspection;
    }
    if (this.storageDir === undefined) return undefined;
    const dir = vscode.Uri.joinPath(this.storageDir, 'inspections');
    let entries: [string, vscode.FileType][] = [];
    try {
      entries = await vscode.workspace.fs.readDirectory(dir);
    } catch {
      return undefined;
    }
    for (const [name] of entries.filter(([n]) => n.endsWith('.json'))) {
      try {
        const stored = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name)))) as StoredInspection;
        if (Array.isArray((stored.report as StoredInspection['report'] | undefined)?.blocks) && matches(stored)) return await this.restore(stored.configUri);
      } catch {
        // a damaged file is skipped: the panel then asks for a new inspection
      }
    }
    return undefined;
  }

  all(): Inspection[] {
    return [...this.byConfig.values()];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
