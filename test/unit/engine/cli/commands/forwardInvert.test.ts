// `revnet forward` and `revnet invert` as a user runs them: child processes through bin/revnet.cjs,
// .npy files in and out, --json output, and plain messages (no stack) for mistakes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readNpy, writeNpySync } from '../../../../../engine/io/npy';
import { SeededRandom } from '../../../../../engine/util/random';

const root = join(__dirname, '..', '..', '..', '..', '..');
const revnet = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'revnet.cjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, REVNET_BACKEND: process.env['REVNET_TEST_BACKEND'] ?? 'wasm' },
  });

const dir = mkdtempSync(join(tmpdir(), 'revnet-invert-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('revnet forward then revnet invert --json bring digits back to themselves', { timeout: 120_000 }, () => {
  const random = new SeededRandom(3);
  const images = Float32Array.from({ length: 2 * 28 * 28 }, () => random.next());
  writeNpySync(join(dir, 'x.npy'), { shape: [2, 28, 28, 1], data: images });

  const fwd = revnet('forward', '--preset', 'mnist-small', '--seed', '5', '--input', join(dir, 'x.npy'), '--output', join(dir, 'y.npy'), '--json');
  assert.equal(fwd.status, 0, fwd.stderr);
  assert.deepEqual(JSON.parse(fwd.stdout).shape, [2, 7, 7, 16]);
  assert.deepEqual(readNpy(join(dir, 'y.npy')).shape, [2, 7, 7, 16]);

  const inv = revnet('invert', '--preset', 'mnist-small', '--seed', '5', '--input', join(dir, 'y.npy'), '--output', join(dir, 'xr.npy'), '--json');
  assert.equal(inv.status, 0, inv.stderr);
  const result = JSON.parse(inv.stdout);
  assert.equal(result.reachedInput, 'image');
  assert.deepEqual(result.shape, [2, 28, 28, 1]);
  assert.ok(result.roundTrip.relL2 < 1e-5, `round trip ${result.roundTrip.relL2}`);
  const back = readNpy(join(dir, 'xr.npy')).data as Float32Array;
  let worst = 0;
  for (let i = 0; i < images.length; i++) worst = Math.max(worst, Math.abs((back[i]) - (images[i])));
  // the float32 bound of test/unit/engine/model/invert.test.ts: 64 roundings of the largest activation per inverted step (6 here);
  // the features bound the activations from below, so allow the digits' own scale as well
  const features = readNpy(join(dir, 'y.npy')).data as Float32Array;
  const scale = Math.max(1, ...Array.from(features, Math.abs));
  const bound = 64 * 2 ** -24 * scale * 6;
  assert.ok(worst < bound, `inverted digits off by ${worst} (bound ${bound})`);

  const wrongFrom = revnet('invert', '--preset', 'mnist-small', '--input', join(dir, 'y.npy'), '--output', join(dir, 'z.npy'), '--from', 'stage1.unit9');
  assert.equal(wrongFrom.status, 1);
  assert.match(wrongFrom.stderr, /revnet: unknown location "stage1\.unit9"/);
  assert.doesNotMatch(wrongFrom.stderr, /\n\s+at /, 'no stack trace');

  const noModel = revnet('forward', '--input', join(dir, 'x.npy'), '--output', join(dir, 'z.npy'));
  assert.equal(noModel.status, 2);
  assert.match(noModel.stderr, /forward: give exactly one of --model FILE or --preset P/);
});

test('revnet invert on the paper\'s RevNet-38 says where the strided transition stopped it', { timeout: 120_000 }, () => {
  const random = new SeededRandom(4);
  writeNpySync(join(dir, 'f.npy'), { shape: [1, 8, 8, 112], data: Float32Array.from({ length: 8 * 8 * 112 }, () => random.normal()) });
  const inv = revnet('invert', '--preset', 'revnet-38', '--input', join(dir, 'f.npy'), '--output', join(dir, 'g.npy'));
  assert.equal(inv.status, 0, inv.stderr);
  assert.match(inv.stdout, /inverted back to the output of stage3\.unit0 \(the part before it is not invertible\)/);
  assert.deepEqual(readNpy(join(dir, 'g.npy')).shape, [1, 8, 8, 112]);
});

test('revnet forward and invert refuse to replace an existing output unless given --force', { timeout: 120_000 }, () => {
  const random = new SeededRandom(6);
  writeNpySync(join(dir, 'in.npy'), { shape: [1, 28, 28, 1], data: Float32Array.from({ length: 28 * 28 }, () => random.next()) });
  // a file the user made, in the way of both outputs
  const theirs = { shape: [2], data: new Float32Array([7, 8]) };
  for (const [command, input, output] of [['forward', 'in.npy', 'feat.npy'], ['invert', 'feat-given.npy', 'back.npy']] as const) {
    if (command === 'invert') {
      const made = revnet('forward', '--preset', 'mnist-small', '--seed', '5', '--input', join(dir, 'in.npy'), '--output', join(dir, 'feat-given.npy'));
      assert.equal(made.status, 0, made.stderr);
    }
    writeNpySync(join(dir, output), theirs);
    const refused = revnet(command, '--preset', 'mnist-small', '--seed', '5', '--input', join(dir, input), '--output', join(dir, output));
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`${join(dir, output).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: already exists; add --force to replace it`));
    assert.deepEqual(readNpy(join(dir, output)).data, new Float32Array([7, 8]), `${command} without --force changed the file`);
    const forced = revnet(command, '--preset', 'mnist-small', '--seed', '5', '--input', join(dir, input), '--output', join(dir, output), '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.notDeepEqual(readNpy(join(dir, output)).shape, [2], `${command} --force did not replace the file`);
  }
});
