// Restricted Mode: package.json declares `untrustedWorkspaces: limited`, and every command that runs the
// engine on the workspace's files is disabled (enablement), hidden from the palette and menus there
// (when clauses), and listed in extension/trustedCommands.ts, which the runtime guard uses. Which commands
// run the engine is read from their source, not from that list.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMMANDS_NEEDING_TRUST } from '../../../extension/trustedCommands';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** command id -> factory name, from the table in extension/main.ts */
function commandTable(): Map<string, string> {
  const main = readFileSync(join(root, 'extension', 'main.ts'), 'utf8');
  return new Map([...main.matchAll(/'(revnet\.\w+)': \['[^']*', (\w+)\]/g)].map((m) => [m[1], m[2]]));
}

/** factory names whose own body sends an engine request that works on files (anything but cancelTraining) */
function factoriesRunningTheEngine(): Set<string> {
  const found = new Set<string>();
  const folder = join(root, 'extension', 'commands');
  for (const file of readdirSync(folder)) {
    const text = readFileSync(join(folder, file), 'utf8');
    const parts = text.split(/(?=^export function )/m);
    for (const part of parts) {
      const name = /^export function (\w+)/.exec(part)?.[1];
      if (name === undefined) continue;
      const requests = [...part.matchAll(/engine\.request\(Requests\.(\w+)/g)].map((m) => m[1]);
      if (requests.some((r) => r !== 'cancelTraining')) found.add(name);
    }
  }
  return found;
}

test('the manifest declares limited support in untrusted workspaces, with a description', () => {
  const untrusted = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(untrusted?.supported, 'limited');
  assert.ok(typeof untrusted.description === 'string' && untrusted.description.length > 20);
  assert.deepEqual(untrusted.restrictedConfigurations, ['revnet.backend', 'revnet.memoryLimitMB', 'revnet.threads']);
});

test('every command that runs the engine needs trust, and only those', () => {
  const table = commandTable();
  assert.ok(table.size >= 8, `read ${table.size} commands from extension/main.ts`);
  const running = factoriesRunningTheEngine();
  const expected = [...table].filter(([, factory]) => running.has(factory)).map(([id]) => id).sort();
  assert.deepEqual([...COMMANDS_NEEDING_TRUST].sort(), expected);
});

test('those commands are disabled and hidden in Restricted Mode; the others are not', () => {
  const contributes = manifest.contributes;
  for (const command of contributes.commands as { command: string; enablement?: string }[]) {
    const needsTrust = COMMANDS_NEEDING_TRUST.includes(command.command);
    assert.equal(command.enablement === 'isWorkspaceTrusted', needsTrust, `${command.command}: enablement ${String(command.enablement)}`);
    const menuItems = Object.values(contributes.menus as Record<string, { command: string; when?: string }[]>).flat().filter((item) => item.command === command.command);
    for (const item of menuItems) {
      if (needsTrust) assert.match(item.when ?? '', /(^|&& )isWorkspaceTrusted( &&|$)/, `${command.command}: menu when "${item.when}"`);
      else assert.doesNotMatch(item.when ?? '', /isWorkspaceTrusted/, command.command);
    }
    if (needsTrust) assert.ok(contributes.menus.commandPalette.some((item: { command: string; when?: string }) => item.command === command.command && item.when === 'isWorkspaceTrusted'));
  }
});
