import type * as vscode from 'vscode';

/** `*.revnet.json` files, whichever JSON language mode they open in. */
export const CONFIG_SELECTOR: vscode.DocumentSelector = [
  { language: 'json', pattern: '**/*.revnet.json' },
  { language: 'jsonc', pattern: '**/*.revnet.json' },
];
