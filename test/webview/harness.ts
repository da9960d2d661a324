// Serves the built panel page (dist/webview.js, media/panel.css, the page from extension/panel/panelHtml.ts with its CSP)
// from a local server and opens it in Debian's Chromium with a fake VS Code host: acquireVsCodeApi records what
// the page posts and keeps its state; messages from the "host" are dispatched on window like VS Code does.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { extname, join, normalize } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../extension/panel/panelHtml';

export const root = join(__dirname, '..', '..');
export const artifacts = join(root, 'artifacts', 'webview');

export type ThemeName = 'light' | 'dark' | 'high-contrast';
export const THEME_CLASS: Record<ThemeName, string> = { light: 'vscode-light', dark: 'vscode-dark', 'high-contrast': 'vscode-high-contrast' };

const SERVED = ['dist/', 'media/', 'test/webview/', 'node_modules/@vscode/codicons/dist/'];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.ttf': 'font/ttf' };

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : stat.mtimeMs);
  }
  return newest;
}

/** `npm test` builds everything first (node esbuild.mjs); a lone run rebuilds the webview bundle if it is older than its sources */
export async function ensureBundle(): Promise<void> {
  const bundle = join(root, 'dist', 'webview.js');
  const sources = Math.max(newestSource(join(root, 'webview')), newestSource(join(root, 'protocol')));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  await esbuild.build({
    absWorkingDir: root,
    bundle: true,
    sourcemap: true,
    logLevel: 'warning',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { webview: 'webview/main.ts' },
    outdir: join(root, 'dist'),
  });
}

export interface PanelServer {
  origin: string;
  close(): Promise<void>;
}

export async function startServer(): Promise<PanelServer> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/panel.html') {
      const theme = (url.searchParams.get('theme') ?? 'dark') as ThemeName;
      const origin = `http://${request.headers.host}`;
      const html = panelHtml({
        cspSource: origin,
        nonce: randomBytes(16).toString('base64'),
        scriptUri: `${origin}/dist/webview.js`,
        styleUris: [`${origin}/test/webview/themes.css`, `${origin}/media/panel.css`, `${origin}/media/architecture.css`],
        codiconUri: `${origin}/node_modules/@vscode/codicons/dist/codicon.css`,
      }).replace('<body>', `<body class="${(THEME_CLASS[theme] as string | undefined) ?? 'vscode-dark'}">`);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
      return;
    }
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '');
    if (!SERVED.some((prefix) => path.startsWith(prefix)) || !existsSync(join(root, path))) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(join(root, path)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface OpenOptions {
  theme?: ThemeName;
  /** what vscode.getState() returns at load (a restored panel) */
  state?: unknown;
  width?: number;
  height?: number;
}

/** Opens the panel with a fake host. Page errors and CSP violations are collected in window.__pageErrors. */
export async function openPanel(browser: Browser, server: PanelServer, options: OpenOptions = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1200, height: options.height ?? 900 } });
  // a string, not a function: tsx's helpers (__name) do not exist in the page
  await page.addInitScript(`
    window.__posted = [];
    window.__state = ${JSON.stringify(options.state ?? null)};
    window.__pageErrors = [];
    window.acquireVsCodeApi = function () {
      return {
        postMessage: function (message) { window.__posted.push(JSON.parse(JSON.stringify(message))); },
        getState: function () { return window.__state; },
        setState: function (next) { window.__state = JSON.parse(JSON.stringify(next)); },
      };
    };
    document.addEventListener('securitypolicyviolation', function (event) {
      window.__pageErrors.push('CSP ' + event.violatedDirective + ' blocked ' + event.blockedURI);
    });
  `);
  pageErrorLog.set(page, []);
  if (process.env['REVNET_WEBVIEW_DEBUG']) page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (error) => {
    if (process.env['REVNET_WEBVIEW_DEBUG']) console.log(`[page error] ${error.message}`);
    pageErrorLog.get(page)?.push(`pageerror: ${error.message}`);
  });
  await page.goto(`${server.origin}/panel.html?theme=${options.theme ?? 'dark'}`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return page;
}

/**
 * One test file's panel pages: builds the bundle, starts the page server and Chromium before the file's tests and
 * closes them after; returns what opens a page on them (openPanel with this file's browser and server).
 */
export function usePanelPages(): (options?: OpenOptions) => Promise<Page> {
  let browser: Browser | undefined;
  let server: PanelServer | undefined;
  before(async () => {
    await ensureBundle();
    server = await startServer();
    browser = await launchBrowser();
    mkdirSync(artifacts, { recursive: true });
  });
  after(async () => {
    // before() may have failed part-way
    await browser?.close();
    await server?.close();
  });
  return (options) => {
    if (browser === undefined || server === undefined) throw new Error('the panel pages are used before their before() hook ran');
    return openPanel(browser, server, options);
  };
}

/** a message from the host, as VS Code delivers it (a MessageEvent on window) */
export async function send(page: Page, message: unknown): Promise<void> {
  await page.evaluate((data) => window.dispatchEvent(new MessageEvent('message', { data })), message as never);
}

let nextHostId = 1000;
export function hostMessage<T extends object>(message: T): T & { id: number } {
  return { ...message, id: nextHostId++ };
}

export async function posted(page: Page): Promise<{ type: string; [key: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

const pageErrorLog = new WeakMap<Page, string[]>();

/** uncaught errors and CSP violations seen in the page */
export async function pageErrors(page: Page): Promise<string[]> {
  const inPage = await page.evaluate(() => (window as unknown as { __pageErrors: string[] }).__pageErrors);
  return [...(pageErrorLog.get(page) ?? []), ...inPage];
}

export async function showView(page: Page, view: string): Promise<void> {
  await page.click(`vscode-tab-header[data-view="${view}"]`);
  await page.waitForFunction((name) => {
    const panel = document.querySelector<HTMLElement>(`vscode-tab-panel[data-view="${name}"]`);
    return panel !== null && !panel.hidden && panel.childElementCount > 0 && !panel.hasAttribute('data-stale');
  }, view);
}

/** the text of every cell of a table's body, row by row */
export async function tableRows(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((row) => Array.from((row as HTMLTableRowElement).cells).map((cell) => cell.textContent.trim())));
}

/** the text of the stat tiles inside a container, by their data-stat key */
export async function tileValues(page: Page, container: string): Promise<Record<string, string>> {
  return page.$$eval(`${container} .tile`, (tiles) =>
    Object.fromEntries(tiles.map((tile) => [(tile as HTMLElement).dataset['stat'] ?? '', (tile.querySelector('dd')?.textContent ?? '').trim()])),
  );
}
