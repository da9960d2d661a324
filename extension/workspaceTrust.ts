// Restricted Mode (an untrusted workspace): the extension still gives the schema, hovers and diagnostics
// from inspections already stored, but runs nothing on the workspace's files. Commands that start the
// engine on them (it parses models, weights and data, spends CPU and memory, and writes files) need trust.
// package.json hides them with `isWorkspaceTrusted`; this check also stops them when they arrive another
// way (a keybinding, a command: link, another extension).
import * as vscode from 'vscode';
import { COMMANDS_NEEDING_TRUST } from './trustedCommands';

const needingTrust: ReadonlySet<string> = new Set(COMMANDS_NEEDING_TRUST);

/** false (after saying why) when `command` needs a trusted workspace and this one is not */
export function allowedHere(command: string, what: string): boolean {
  if (!needingTrust.has(command) || vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`RevNet: ${what} runs the engine on this workspace's files; it is off in Restricted Mode. Trust the workspace to use it.`);
  return false;
}
