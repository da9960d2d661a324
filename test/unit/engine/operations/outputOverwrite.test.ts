// The engine's forward and invert requests never replace an existing output file unasked: without
// `overwrite: true` they refuse (naming the file) before any work and leave it as it was; with it they replace it.
// A model file is refused even then. On main both wrote over any existing file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readNpy, writeNpySync } from '../../../../engine/io/npy';
import { SeededRandom } from '../../../../engine/util/random';
import { forward } from '../../../../engine/operations/forward';
import { invert } from '../../../../engine/operations/invert';
import { useTestBackend } from '../networkFixtures';

const model = { preset: 'mnist-tiny', seed: 3 };
let dir: string;
before(async () => {
  await useTestBackend();
  dir = mkdtempSync(join(tmpdir(), 'revnet-overwrite-'));
  const random = new SeededRandom(2);
  writeNpySync(join(dir, 'images.npy'), { shape: [1, 28, 28, 1], data: Float32Array.from({ length: 28 * 28 }, () => random.next()) });
  writeNpySync(join(dir, 'features.npy'), { shape: [1, 14, 14, 4], data: random.normalArray(14 * 14 * 4) });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const requests = {
  forward: (outputPath: string, overwrite?: boolean) => forward({ model, inputPath: join(dir, 'images.npy'), outputPath, ...(overwrite === undefined ? {} : { overwrite }) }),
  invert: (outputPath: string, overwrite?: boolean) => invert({ model, inputPath: join(dir, 'features.npy'), outputPath, ...(overwrite === undefined ? {} : { overwrite }) }),
};

for (const [name, request] of Object.entries(requests)) {
  test(`${name} refuses to replace an existing file unless overwrite: true, and never a model file`, async () => {
    const output = join(dir, `${name}-theirs.npy`);
    writeFileSync(output, 'not ours');
    for (const overwrite of [undefined, false]) {
      await assert.rejects(request(output, overwrite), (error: Error) => error.message === `${output}: already exists; add --force to replace it`);
      assert.equal(readFileSync(output, 'utf8'), 'not ours', `${name} changed the file without overwrite`);
    }
    const result = await request(output, true);
    assert.deepEqual(readNpy(output).shape, result.shape);
    const fresh = join(dir, `${name}-fresh.npy`);
    await request(fresh);
    assert.deepEqual(readNpy(fresh).shape, result.shape, 'a missing output is written without asking');
    const modelFile = join(dir, 'mine.safetensors');
    writeFileSync(modelFile, 'weights');
    await assert.rejects(request(modelFile, true), /is a model file name/);
    assert.equal(readFileSync(modelFile, 'utf8'), 'weights');
  });
}
