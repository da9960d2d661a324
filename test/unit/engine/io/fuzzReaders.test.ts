// A short seeded run of the reader fuzzer (test/fuzz/fuzzReaders.ts; `npm run fuzz` runs 10,000 per reader),
// the saved inputs that once broke a reader, and checks that the harness itself catches what it should.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileFormatError } from '../../../../engine/io/fileFormatError';
import { fuzzReader, judge, READERS, REGRESSION_DIR, type FuzzReader } from '../../../fuzz/fuzzReaders';

const PER_READER = 300;

describe('fuzzing the readers (short seeded run)', () => {
  for (const reader of READERS) {
    it(`${reader.name}: ${PER_READER} mutated inputs end in a loaded object or the reader's own error`, () => {
      const stats = fuzzReader(reader, { count: PER_READER, seed: 20261127, timeLimitMs: 5000 });
      assert.deepEqual(stats.failures, []);
      assert.equal(stats.inputs, PER_READER);
      assert.equal(stats.loaded + stats.refused, PER_READER);
      assert.ok(stats.refused > 0, 'the mutations reach the error paths');
    });
  }
});

describe('saved inputs that once broke a reader', () => {
  const files = existsSync(REGRESSION_DIR) ? readdirSync(REGRESSION_DIR).filter((f) => f.endsWith('.bin')) : [];
  it('there are saved inputs and each names a known reader', () => {
    assert.ok(files.length > 0);
    for (const file of files) assert.ok(READERS.some((r) => file.startsWith(`${r.name}-`)), file);
  });
  for (const file of files) {
    const reader = READERS.filter((r) => file.startsWith(`${r.name}-`))
      .sort((a, b) => b.name.length - a.name.length)
      .at(0);
    if (reader === undefined) continue;
    it(`${file} now ends in ${reader.name}'s own error or a loaded object`, () => {
      const { outcome } = judge(reader, readFileSync(join(REGRESSION_DIR, file)), 5000);
      assert.notEqual(outcome.kind, 'broken', outcome.kind === 'broken' ? outcome.reason : '');
    });
  }
});

describe('found by fuzzing the model config reader', () => {
  const config = READERS.find((r) => r.name === 'config');
  if (config === undefined) throw new Error('no config reader in READERS');
  const withStages = (count: number) => JSON.stringify({ name: 'x', input: { height: 8, width: 8, channels: 1 }, classes: 2, stem: { kind: 'squeeze' }, stages: new Array(count).fill(1), head: { pool: 'flatten' } });
  it('a config with 100,000 bad stages gets a short message (the first 50 problems), not one line per element', () => {
    assert.throws(() => config.read(Buffer.from(withStages(100_000)), 'big.revnet.json'), (error: Error) => {
      assert.ok(error.message.length < 10_000, `message of ${error.message.length} characters`);
      return true;
    });
  });
  it('a config text over 256 KiB is refused before parsing', () => {
    assert.throws(() => config.read(Buffer.from(withStages(200_000)), 'huge.revnet.json'), /huge\.revnet\.json: is \d+ characters long; a model file has at most 262144/);
  });
  it('deep nesting with a syntax error ends in the reader\'s own error', () => {
    const { outcome } = judge(config, Buffer.from('{"name": ' + '['.repeat(50_000) + '1,,'), 5000);
    assert.equal(outcome.kind, 'refused');
  });
});

describe('the harness', () => {
  const fake = (read: FuzzReader['read']): FuzzReader => ({ ...READERS[0], name: 'fake', read, check: undefined });
  it('calls a foreign error type broken', () => {
    const { outcome } = judge(fake(() => { throw new TypeError('x is undefined'); }), Buffer.alloc(4), 1000);
    assert.equal(outcome.kind, 'broken');
  });
  it('calls an error that names another file broken', () => {
    const { outcome } = judge(fake(() => { throw new FileFormatError('other.bin', 'bad'); }), Buffer.alloc(4), 1000);
    assert.equal(outcome.kind, 'broken');
  });
  it('calls an allocation of a size taken on trust broken', () => {
    const { outcome } = judge(fake((bytes) => new Float64Array(bytes.readUInt32LE(0))), Buffer.from([0, 0, 0, 2]), 1000);
    assert.equal(outcome.kind, 'broken');
    assert.match((outcome as { reason: string }).reason, /memory grew/);
  });
  it('calls a slow read broken', () => {
    const { outcome } = judge(fake(() => { const end = Date.now() + 30; while (Date.now() < end); return 1; }), Buffer.alloc(1), 10);
    assert.equal(outcome.kind, 'broken');
  });
  it('calls a loaded object that breaks the reader\'s invariants broken', () => {
    const inconsistent = { ...READERS[0], name: 'fake', read: () => ({ tensors: new Map([['w', { shape: [2, 3], data: new Float32Array(5) }]]), metadata: {} }) };
    const { outcome } = judge(inconsistent, Buffer.alloc(4), 1000);
    assert.equal(outcome.kind, 'broken');
    assert.match((outcome as { reason: string }).reason, /shape \[2, 3\] but 5 values/);
  });
  it('accepts a refusal that names the file', () => {
    const { outcome } = judge(fake((_, file) => { throw new FileFormatError(file, 'bad'); }), Buffer.alloc(4), 1000);
    assert.equal(outcome.kind, 'refused');
  });
});
