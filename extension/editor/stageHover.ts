// Hovers over a stage in a `*.revnet.json`: the stage's blocks from the latest inspection, with links.
import * as vscode from 'vscode';
import { config } from '../config';
import type { Ctx } from '../context';
import { stageAtOffset } from '../model/configLocator';
import { stageHoverMarkdown } from '../model/hoverTable';

function commandUri(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

export function stageHoverProvider(ctx: Ctx): vscode.HoverProvider {
  return {
    async provideHover(document, position) {
      const text = document.getText();
      const span = stageAtOffset(text, document.offsetAt(position));
      if (span === undefined) return undefined;
      const key = document.uri.toString();
      const inspection = await ctx.inspections.restore(key);
      const markdown = new vscode.MarkdownString(
        stageHoverMarkdown(inspection?.report, span.stage, config.errorThreshold(), {
          openBlock: (blockId) => commandUri('revnet.showBlock', [key, blockId]),
          inspect: commandUri('revnet.inspectModel', [key]),
        }),
      );
      markdown.isTrusted = { enabledCommands: ['revnet.showBlock', 'revnet.inspectModel'] };
      const range = new vscode.Range(document.positionAt(span.offset), document.positionAt(span.offset + span.length));
      return new vscode.Hover(markdown, range);
    },
  };
}
