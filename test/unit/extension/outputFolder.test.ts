// What the extension asks about before training into a folder: the model files and the checkpoint there.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { existingOutputs } from '../../../extension/outputFolder';
import { tempFolder } from '../engine/trainHelpers';

test('existingOutputs lists model files and the checkpoint, nothing else; [] for a missing folder', () => {
  const out = tempFolder('existing-outputs');
  assert.deepEqual(existingOutputs(join(out, 'missing')), []);
  writeFileSync(join(out, 'notes.txt'), '');
  assert.deepEqual(existingOutputs(out), []);
  writeFileSync(join(out, 'm.safetensors'), '');
  writeFileSync(join(out, 'm.revnet.json'), '');
  mkdirSync(join(out, 'checkpoint'));
  writeFileSync(join(out, 'checkpoint', 'latest.json'), '{}');
  assert.deepEqual(existingOutputs(out), ['m.revnet.json', 'm.safetensors', 'checkpoint/']);
});
