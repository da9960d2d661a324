// Which data a training, an inspection or the Invert view runs on, from the setting revnet.defaultData:
// "auto" lets the engine pick by the model's input (engine/data/defaultData.ts: the built-in digits for
// 28x28x1 models, else random images; the same rule as `revnet train` without --data), "mnist" forces the
// digits, "ask" asks every time with the choices that fit the model.
import * as vscode from 'vscode';
import { Requests, type DataSpec, type ModelRef } from '../protocol/engineApi';
import { EngineErrorCodes } from '../protocol/engineErrors';
import { config } from './config';
import type { Ctx } from './context';
import { EngineRequestError } from './engine/engineClient';

/** where open dialogs start: the first workspace folder, when there is one */
export function workspaceDefaultUri(): { defaultUri?: vscode.Uri } {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder === undefined ? {} : { defaultUri: folder };
}

async function openFiles(title: string, filters: Record<string, string[]>, many: boolean): Promise<vscode.Uri[] | undefined> {
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: many, filters, title, openLabel: 'Choose', ...workspaceDefaultUri() });
  return chosen !== undefined && chosen.length > 0 ? chosen : undefined;
}

async function imagesAndLabels(kind: 'idx' | 'npy'): Promise<DataSpec | undefined> {
  const filters: Record<string, string[]> = kind === 'idx' ? { IDX: ['idx3-ubyte', 'idx1-ubyte', 'gz', 'idx'] } : { NumPy: ['npy'] };
  const images = await openFiles(kind === 'idx' ? 'IDX images' : 'Images (.npy, NHWC)', filters, false);
  const labels = images && (await openFiles(kind === 'idx' ? 'IDX labels' : 'Labels (.npy)', filters, false));
  if (images?.[0] === undefined || labels?.[0] === undefined) return undefined;
  return { kind, images: images[0].fsPath, labels: labels[0].fsPath };
}

/** The QuickPick of revnet.defaultData "ask": the digits only when they fit the model's input. */
async function askForData(ctx: Ctx, model: ModelRef, purpose: string): Promise<DataSpec | undefined> {
  const summary = await ctx.engine.request(Requests.load, { model });
  const { height, width, channels } = summary.input;
  const digitsFit = height === 28 && width === 28 && channels === 1;
  type Choice = 'mnist' | 'idx' | 'npy' | 'cifar10' | 'cifar100' | 'random';
  const items: (vscode.QuickPickItem & { data: Choice })[] = [];
  if (digitsFit) items.push({ label: 'Built-in MNIST digits', description: '28x28x1, 10,000 images', data: 'mnist' });
  items.push(
    { label: 'IDX files (MNIST format)…', data: 'idx' },
    { label: 'NumPy .npy images and labels…', data: 'npy' },
    { label: 'CIFAR-10 binary batches…', description: channels === 3 && height === 32 && width === 32 ? 'fits this model' : '', data: 'cifar10' },
    { label: 'CIFAR-100 binary files…', data: 'cifar100' },
    { label: 'Random images', description: `${height}x${width}x${channels}: numbers say nothing about real images`, data: 'random' },
  );
  const choice = await vscode.window.showQuickPick(items, { placeHolder: `Data to ${purpose} ${summary.name} (input ${height}x${width}x${channels})` });
  if (choice === undefined) return undefined;
  switch (choice.data) {
    case 'mnist':
      return { kind: 'mnist' };
    case 'random':
      return { kind: 'random', count: 256 };
    case 'idx':
    case 'npy':
      return imagesAndLabels(choice.data);
    case 'cifar10':
    case 'cifar100': {
      const files = await openFiles(choice.data === 'cifar10' ? 'CIFAR-10 batches (data_batch_*.bin)' : 'CIFAR-100 files (train.bin)', { 'CIFAR binary': ['bin'] }, true);
      return files === undefined ? undefined : { kind: choice.data, files: files.map((file) => file.fsPath) };
    }
  }
}

/** The data for one operation on a model, as revnet.defaultData says; undefined when the user cancelled. */
export async function chooseData(ctx: Ctx, model: ModelRef, purpose: string): Promise<DataSpec | undefined> {
  const setting = config.defaultData();
  switch (setting) {
    case 'auto':
      return { kind: 'default' };
    case 'mnist':
      return { kind: 'mnist' };
    case 'ask':
      return askForData(ctx, model, purpose);
  }
}

/** The data of requests that cannot ask (the Invert view): the setting's, with "ask" treated as "auto". */
export function settledData(): DataSpec {
  return config.defaultData() === 'mnist' ? { kind: 'mnist' } : { kind: 'default' };
}

/** A data error from the engine, with the setting that changes the data named. */
export function explainDataError(error: unknown): unknown {
  if (!(error instanceof EngineRequestError) || error.code !== EngineErrorCodes.data) return error;
  const hint = `The data comes from the setting revnet.defaultData (now "${config.defaultData()}"): "auto" picks data that fits the model, "ask" lets you choose files.`;
  return new EngineRequestError(error.code, `${error.message}. ${hint}`, error.method);
}
