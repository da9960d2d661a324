// A binary file given as a model config (Open Model… on a .safetensors) says what it is and what was expected,
// instead of "not valid JSON at line 1".
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeSafetensorsToBuffer } from '../../../../engine/io/safetensors';
import { loadConfig } from '../../../../engine/model/loadConfig';
import { ConfigError } from '../../../../engine/model/validateConfig';

test('a safetensors file read as a config is named as such, with what was expected', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'revnet-binary-config-'));
  // written by the safetensors writer, under a config's name so the file name gives nothing away
  const path = join(dir, 'weights.revnet.json');
  writeFileSync(path, encodeSafetensorsToBuffer({ 'stem.kernel': { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } }));
  await assert.rejects(loadConfig(path), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /is a binary safetensors file \(weights\), not a model config; expected NAME\.revnet\.json/);
    assert.doesNotMatch(error.message, /not valid JSON/);
    return true;
  });
  const npy = join(dir, 'x.npy');
  writeFileSync(npy, Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0]));
  await assert.rejects(loadConfig(npy), /binary NumPy \.npy file/);
});
