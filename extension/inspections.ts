// The latest inspection of each model, keyed by its config file, for hovers, diagnostics and the panel.
// Kept in memory and in the extension's workspace storage, so a window reload finds them again.
import { decodeNonFinite, encodeNonFinite } from '../protocol/nonFinite';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
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

/** parsed JSON as a stored inspection when its report has a blocks array (the JSON null throws, as a damaged file) */
function asStoredInspection(parsed: unknown): StoredInspection | undefined {
  const blocks = (parsed as { report?: { blocks?: unknown } }).report?.blocks;
  return Array.isArray(blocks) ? (parsed as StoredInspection) : undefined;
}

/**
 * The `inspect.json` that `revnet train` writes beside the model it trained (docs/inspect-json.md), when it
 * is about this config file: a CLI-trained model has numbers in the editor at once.
 */
export async function readCliInspection(configUri: vscode.Uri): Promise<Inspection | undefined> {
  if (configUri.scheme !== 'file') return undefined;
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(configUri, '..', 'inspect.json')));
    const report = JSON.parse(text) as InspectReport;
    if (!Array.isArray(report.blocks) || typeof report.model !== 'object') return undefined;
    // matched by file name, as the report sits beside its model (a moved run folder keeps its numbers)
    const configPath = report.model.configPath;
    if (configPath === undefined || basename(configPath) !== basename(configUri.fsPath)) return undefined;
    const weightsPath = report.model.weightsPath;
    const model: ModelRef = weightsPath !== undefined
      ? { configPath: configUri.fsPath, weightsPath: join(dirname(configUri.fsPath), basename(weightsPath)) }
      : { configPath: configUri.fsPath };
    return { configUri, model, report };
  } catch {
    // no inspect.json, or not one for this config: the hover offers to inspect
    return undefined;
  }
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
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(encodeNonFinite(stored))));
  }

  get(configUri: vscode.Uri): Inspection | undefined {
    return this.byConfig.get(configUri.toString());
  }

  /** The inspection for a config, from memory or from storage (after a reload). */
  async restore(key: string): Promise<Inspection | undefined> {
    const known = this.byConfig.get(key);
    if (known !== undefined) return known;
    const found = (await this.readStored(key)) ?? (await readCliInspection(vscode.Uri.parse(key)));
    if (found === undefined) return undefined;
    this.byConfig.set(key, found);
    this.changed.fire(found);
    return found;
  }

  private async readStored(key: string): Promise<Inspection | undefined> {
    const file = this.fileFor(key);
    if (file === undefined) return undefined;
    try {
      const stored = asStoredInspection(decodeNonFinite(JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)))));
      if (stored?.configUri !== key) return undefined;
      return { configUri: vscode.Uri.parse(stored.configUri), model: stored.model, report: stored.report };
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
      let matched: string | undefined;
      try {
        const stored = asStoredInspection(JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name)))));
        if (stored !== undefined && matches(stored)) matched = stored.configUri;
      } catch {
        // a damaged file is skipped: the panel then asks for a new inspection
      }
      if (matched !== undefined) return this.restore(matched);
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
