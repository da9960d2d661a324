// A gzipped IDX file inflates in steps (engine/io/gzip.ts gunzipSteps) with the event loop running between them:
// the result equals Node's zlib (an independent inflater), a cancel at any of its pauses stops the inflation
// there, and a yielding data load pauses during the inflation (on main it was one synchronous zlib call: a
// gzipped file paused no more often than the same file unzipped, and a cancel waited for the whole inflation).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { loadDatasetYielding } from '../../../../engine/data/loadDataset';
import { GUNZIP_STEP_BYTES, gunzipSteps } from '../../../../engine/io/gzip';
import { encodeIdxUint8 } from '../../../../engine/io/idx';
import { FileFormatError } from '../../../../engine/io/fileFormatError';
import { runToEnd, runWithPauses } from '../../../../engine/util/stepwise';

const dir = mkdtempSync(join(tmpdir(), 'revnet-gzip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 4000 28x28 images of pseudo-random bytes (hardly compressible: ~3 MB of gzip, ~190 inflation steps) */
const COUNT = 4000;
const pixels = new Uint8Array(COUNT * 28 * 28);
let state = 12345;
for (let i = 0; i < pixels.length; i++) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  pixels[i] = state >>> 24;
}
const plainImages = encodeIdxUint8([COUNT, 28, 28], pixels);
const gzImages = gzipSync(plainImages, { level: 1 });
const labels = encodeIdxUint8([COUNT], Uint8Array.from({ length: COUNT }, (_, i) => i % 10));
writeFileSync(join(dir, 'images-idx3-ubyte'), plainImages);
writeFileSync(join(dir, 'images-idx3-ubyte.gz'), gzImages);
writeFileSync(join(dir, 'labels-idx1-ubyte'), labels);

class Stop extends Error {}

test('gunzipSteps gives zlib\'s bytes, yielding once per compressed chunk', () => {
  const steps = gunzipSteps(gzImages, 'images.gz');
  let pauses = 0;
  let next = steps.next();
  while (next.done !== true) {
    pauses += 1;
    next = steps.next();
  }
  assert.deepEqual(Buffer.from(next.value), gunzipSync(gzImages));
  assert.equal(pauses, Math.ceil(gzImages.length / GUNZIP_STEP_BYTES));
  // allocated at the declared size: the same bytes
  assert.deepEqual(Buffer.from(runToEnd(gunzipSteps(gzImages, 'images.gz', undefined, plainImages.length))), plainImages);
});

test('a cancel at any pause of the inflation stops it there', async () => {
  const total = Math.ceil(gzImages.length / GUNZIP_STEP_BYTES);
  for (const at of [1, 2, Math.ceil(total / 2), total]) {
    let seen = 0;
    await assert.rejects(
      runWithPauses(gunzipSteps(gzImages, 'images.gz'), async () => {
        seen += 1;
        await Promise.resolve();
        if (seen === at) throw new Stop();
      }),
      Stop,
    );
    assert.equal(seen, at, `stopped at pause ${at}, yet paused ${seen} times`);
  }
});

test('corrupt gzip is refused naming the file: a wrong CRC-32, a wrong length, a cut stream, more than the bound', () => {
  const refuses = (bytes: Uint8Array, pattern: RegExp, max?: number) =>
    assert.throws(() => runToEnd(gunzipSteps(bytes, 'x.gz', max)), (error: unknown) => error instanceof FileFormatError && error.message.startsWith('x.gz') && pattern.test(error.message));
  const small = gzipSync(Buffer.from('some idx bytes, repeated '.repeat(100)));
  const badCrc = Buffer.from(small);
  badCrc[badCrc.length - 8] ^= 1;
  refuses(badCrc, /CRC-32 mismatch/);
  const badLength = Buffer.from(small);
  badLength[badLength.length - 4] ^= 1;
  refuses(badLength, /length does not match/);
  refuses(small.subarray(0, small.length - 12), /not valid gzip/);
  refuses(small, /decompresses to more than 100 bytes/, 100);
  assert.throws(() => gunzipSync(badCrc), 'zlib agrees that the CRC-32 is wrong');
});

test('a yielding load of a gzipped IDX file pauses during the inflation and stops at the first pause', async () => {
  const spec = (images: string) => ({ kind: 'idx', images: join(dir, images), labels: join(dir, 'labels-idx1-ubyte') }) as const;
  const count = async (images: string) => {
    let pauses = 0;
    const dataset = await loadDatasetYielding(spec(images), {}, async () => {
      pauses += 1;
      await Promise.resolve();
    });
    return { pauses, dataset };
  };
  const plain = await count('images-idx3-ubyte');
  const gz = await count('images-idx3-ubyte.gz');
  assert.deepEqual(gz.dataset.train.images, plain.dataset.train.images);
  const inflationSteps = Math.ceil(gzImages.length / GUNZIP_STEP_BYTES);
  assert.ok(
    gz.pauses >= plain.pauses + inflationSteps - 1,
    `the gzipped load paused ${gz.pauses} times, the plain one ${plain.pauses}: the ${inflationSteps} inflation steps did not yield`,
  );
  let seen = 0;
  await assert.rejects(
    loadDatasetYielding(spec('images-idx3-ubyte.gz'), {}, async () => {
      seen += 1;
      await Promise.resolve();
      throw new Stop();
    }),
    Stop,
  );
  assert.equal(seen, 1);
});
