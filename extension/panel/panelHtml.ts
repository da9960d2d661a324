// The panel's HTML page, as a pure function: the extension's panel host calls it with webview URIs
// (`webview.asWebviewUri`) and a fresh nonce; the webview tests call it with a local server's URLs.
// Content Security Policy: nothing by default; scripts only with the nonce; styles and fonts only from
// the webview's own resource origin; images from there and data: URLs. No remote content.

export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview's local resources are served from */
  cspSource: string;
  /** base64 or hex, at least 16 random bytes, made fresh for every page (crypto, not Math.random) */
  nonce: string;
  /** URI of dist/webview.js */
  scriptUri: string;
  /** URIs of the stylesheets (media/panel.css, …) */
  styleUris: string[];
  /** URI of @vscode/codicons' codicon.css, if the host serves it (vscode-icon looks for its id) */
  codiconUri?: string;
  /** the page title, e.g. the model's name */
  title?: string;
  /** the config URI of the model this panel shows: the page keeps it in its saved state from the start, so a
   *  reload restores each panel to its own model even if it never received a report */
  modelKey?: string;
}

const NONCE_PATTERN = /^[A-Za-z0-9+/=_-]{16,}$/;
/** one source of a list: 'self', a scheme or a host (VS Code's cspSource is e.g. "'self' https://*.vscode-cdn.net") */
const SOURCE_TOKEN = /^('self'|[^\s;,'"]+)$/;

function isPlainSourceList(value: string): boolean {
  const tokens = value.trim().split(/\s+/);
  return tokens[0] !== '' && tokens.every((token) => SOURCE_TOKEN.test(token));
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function panelHtml(options: PanelHtmlOptions): string {
  if (!NONCE_PATTERN.test(options.nonce)) throw new Error('panelHtml: the nonce must be at least 16 base64 or hex characters');
  if (!isPlainSourceList(options.cspSource)) throw new Error(`panelHtml: cspSource "${options.cspSource}" is not a plain source expression`);
  const csp = contentSecurityPolicy(options.cspSource, options.nonce);
  const styles = options.styleUris.map((uri) => `    <link rel="stylesheet" href="${escapeAttribute(uri)}">`);
  if (options.codiconUri) {
    styles.push(`    <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${escapeAttribute(options.codiconUri)}">`);
  }
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.join('\n')}
    <title>${escapeText(options.title ?? 'RevNet Inspector')}</title>
  </head>
  <body${options.modelKey === undefined ? '' : ` data-model-key="${escapeAttribute(options.modelKey)}"`}>
    <div id="app" aria-live="off"><p class="placeholder">Loading the RevNet panel…</p></div>
    <script nonce="${escapeAttribute(options.nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
  </body>
</html>
`;
}
