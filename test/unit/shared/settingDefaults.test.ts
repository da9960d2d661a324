// Every setting's default has one source, shared/settingDefaults.ts: package.json's contributes.configuration
// (what VS Code shows and stores) must state the same value for every revnet.* setting, and no other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SETTING_DEFAULTS } from '../../../shared/settingDefaults';

interface Manifest {
  contributes: { configuration: { properties: Partial<Record<string, { default?: unknown; enum?: unknown[] }>> } };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as Manifest;
const properties = manifest.contributes.configuration.properties;

test("package.json's setting defaults equal shared/settingDefaults.ts, setting by setting", () => {
  const declared = Object.keys(properties).map((key) => key.replace(/^revnet\./, '')).sort();
  assert.deepEqual(declared, Object.keys(SETTING_DEFAULTS).sort());
  for (const [name, value] of Object.entries(SETTING_DEFAULTS)) {
    assert.deepEqual(properties[`revnet.${name}`]?.default, value, `revnet.${name}`);
    const choices = properties[`revnet.${name}`]?.enum;
    if (choices !== undefined) assert.ok(choices.includes(value), `revnet.${name}: ${String(value)} is not one of its choices`);
  }
});
