// Limits that hold everywhere: the config's counts have maxima, the memory limit covers data loading, model
// building and the wasm heap's ceiling, and every error message is capped. Each case is a hostile input that
// main let through (to a crash, a hang or gigabytes of memory).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { boundedMessage, MAX_MESSAGE_CHARS, MAX_MESSAGE_LINES } from '../../../../protocol/boundedMessage';
import { loadDataset } from '../../../../engine/data';
import { inspectModel } from '../../../../engine/inspect/inspectModel';
import { modelEstimate } from '../../../../engine/limits/estimates';
import { checkMemoryLimit, HeapCeilingError, MemoryLimitError, setBackendHeapCeiling, WASM_HEAP_CEILING } from '../../../../engine/limits/memoryLimit';
import { analyzeModel } from '../../../../engine/model/analysis';
import { describeArchitecture } from '../../../../engine/model/architecture';
import { ConfigError } from '../../../../engine/model/validateConfig';
import { loadConfig } from '../../../../engine/model/loadConfig';
import { presetConfig } from '../../../../engine/model/presets';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { load } from '../../../../engine/operations/load';
import { forward } from '../../../../engine/operations/forward';
import { tempFolder, TINY_CONFIG } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const folder = tempFolder('limits');
const root = join(__dirname, '..', '..', '..', '..');

function writeConfig(name: string, config: unknown): string {
  const path = join(folder, `${name}.revnet.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

function idxHeader(type: number, dims: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((dim, i) => head.writeUInt32BE(dim, 4 + 4 * i));
  return head;
}

test('units: 1e308 and units: 100000 are refused by the validator, naming the field and its maximum', async () => {
  for (const units of [1e308, 100000]) {
    const config = structuredClone(TINY_CONFIG) as unknown as { stages: { units: number }[] };
    (config.stages[0]).units = units;
    const path = writeConfig(`units-${units}`, config);
    await assert.rejects(loadConfig(path), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /stages\[0\]\.units: expected an integer ≥ 1 and ≤ 1000, got (1e\+308|100000)/);
      return true;
    });
  }
  // within each stage's maximum, but too many together
  const many = { ...structuredClone(TINY_CONFIG), stages: [1, 2, 3].map(() => ({ units: 1000, channels: 4, residual: 'basic', downsample: 'none' })) };
  await assert.rejects(loadConfig(writeConfig('many-units', many)), /stages: expected at most 2000 units in all stages together, got 3000/);
});

test('every count of the schema has a maximum (the editor shows and enforces it too)', async () => {
  const schema = JSON.parse((await import('node:fs')).readFileSync(join(root, 'schema', 'revnet.schema.json'), 'utf8')) as unknown;
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['type'] === 'integer' && record['maximum'] === undefined) missing.push(path);
    if (record['type'] === 'array' && record['maxItems'] === undefined) missing.push(path);
    for (const [key, value] of Object.entries(record)) walk(value, `${path}/${key}`);
  };
  walk(schema, '');
  assert.deepEqual(missing, []);
});

test('the analysis gives each unit its own tensors\' sizes, counted by an independent pass over the names', () => {
  const config = withDefaults(presetConfig('revnet-38'));
  const architecture = describeArchitecture(config);
  const analysis = analyzeModel(config, 2);
  for (const unit of analysis.units) {
    let params = 0;
    for (const [name, shape] of architecture.params) if (name.startsWith(`${unit.id}.`)) params += shape.reduce((a, b) => a * b, 1);
    assert.equal(unit.params, params, unit.id);
  }
  let total = 0;
  for (const shape of architecture.params.values()) total += shape.reduce((a, b) => a * b, 1);
  assert.equal(analysis.totals.params, total);
});

test('a ~100-byte gzip IDX declaring 60000x28x28x255 images (12 GB) is refused from its header, before inflating', () => {
  // 60000 x 784 x 255 bytes of zeros would inflate to 12 GB; the file holds only the header and a few zeros
  const images = join(folder, 'huge-images-idx.gz');
  writeFileSync(images, gzipSync(Buffer.concat([idxHeader(0x08, [60000, 28, 28, 255]), Buffer.alloc(1 << 16)])));
  const labels = join(folder, 'labels-idx.gz');
  writeFileSync(labels, gzipSync(Buffer.concat([idxHeader(0x08, [60000]), Buffer.alloc(60000)])));
  const rss = process.memoryUsage().rss;
  assert.throws(
    () => loadDataset({ kind: 'idx', images, labels }, { memoryLimitBytes: 200e6 }),
    (error: Error) => {
      assert.ok(error instanceof MemoryLimitError, String(error));
      assert.match(error.message, /loading .*huge-images-idx\.gz \(11995200000 values\)/);
      return true;
    },
  );
  assert.ok(process.memoryUsage().rss - rss < 100e6, 'nothing of the declared size was allocated');
});

test('random data and large .npy files are refused before their arrays are allocated', () => {
  assert.throws(() => loadDataset({ kind: 'random', count: 1e7 }, { memoryLimitBytes: 200e6 }), (error: Error) => {
    assert.ok(error instanceof MemoryLimitError);
    assert.match(error.message, /making random data \(10000000 \+ 2500000 images of 28x28x1\)/);
    return true;
  });
  // a .npy whose header declares 50000 float32 images of 32x32x3 (614 MB) over a 200 MB limit: refused from the
  // header, whose data is not even read (the file is sparse: its size is right, its blocks are not written)
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (50000, 32, 32, 3), }";
  const padded = header.padEnd(128 - 10 - 1, ' ') + '\n';
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from([padded.length & 0xff, padded.length >> 8]), Buffer.from(padded, 'latin1')]);
  const images = join(folder, 'big-images.npy');
  writeFileSync(images, head);
  spawnSync('truncate', ['-s', String(head.length + 50000 * 32 * 32 * 3 * 4), images]);
  const labels = join(folder, 'labels.npy');
  const labelHeader = "{'descr': '|u1', 'fortran_order': False, 'shape': (50000,), }".padEnd(128 - 10 - 1, ' ') + '\n';
  writeFileSync(labels, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from([labelHeader.length, 0]), Buffer.from(labelHeader, 'latin1'), Buffer.alloc(50000)]));
  const rss = process.memoryUsage().rss;
  assert.throws(() => loadDataset({ kind: 'npy', images, labels }, { memoryLimitBytes: 200e6 }), (error: Error) => {
    assert.ok(error instanceof MemoryLimitError, String(error));
    assert.match(error.message, /loading .*big-images\.npy \(153600000 values\)/);
    return true;
  });
  assert.ok(process.memoryUsage().rss - rss < 100e6, 'the file was not read');
});

test('load, inspect and forward refuse a model too large for the limit before building its network', async () => {
  // within the schema's counts, but its weights alone are ~3 GB
  const huge = { ...structuredClone(TINY_CONFIG), name: 'huge', stages: [{ units: 24, channels: 4096, residual: 'basic', downsample: 'none' }] };
  const configPath = writeConfig('huge', huge);
  const estimate = modelEstimate(withDefaults(huge as typeof TINY_CONFIG));
  assert.ok(estimate > 1e9);
  const tensors = tf.memory().numTensors;
  const rss = process.memoryUsage().rss;
  const refused = (operation: string) => (error: Error) => {
    assert.ok(error instanceof MemoryLimitError, String(error));
    assert.match(error.message, new RegExp(`^${operation} model "huge" \\(its weights and one example\\)`));
    return true;
  };
  await assert.rejects(load({ model: { configPath }, memoryLimitBytes: 200e6 }), refused('loading'));
  await assert.rejects(inspectModel({ model: { configPath }, memoryLimitBytes: 200e6 }, { cancelled: false }), refused('inspecting'));
  await assert.rejects(forward({ model: { configPath }, inputPath: join(folder, 'none.npy'), outputPath: join(folder, 'out.npy'), memoryLimitBytes: 200e6 }), refused('running'));
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(process.memoryUsage().rss - rss < 500e6, 'the network was not built');
});

test('on the wasm backend, work past its 4 GiB heap is refused with a message naming that ceiling, whatever the limit', () => {
  try {
    setBackendHeapCeiling(WASM_HEAP_CEILING);
    assert.throws(() => checkMemoryLimit(5 * 2 ** 30, 64 * 2 ** 30, 'inspecting model "m" (batch 8000)'), (error: Error) => {
      assert.ok(error instanceof HeapCeilingError);
      assert.match(error.message, /^inspecting model "m" \(batch 8000\) would need about 5\.00 GiB of tensor memory, more than the wasm backend's 4 GiB heap can hold/);
      return true;
    });
    // host arrays (data sets) do not live in the wasm heap
    checkMemoryLimit(5 * 2 ** 30, 64 * 2 ** 30, 'loading data', { hostOnly: true });
  } finally {
    setBackendHeapCeiling(undefined);
  }
  checkMemoryLimit(5 * 2 ** 30, 64 * 2 ** 30, 'on another backend');
});

test('every error message is capped: lines, line length and total', () => {
  const flood = Array.from({ length: 200_000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`).join('\n');
  const capped = boundedMessage(flood);
  const lines = capped.split('\n');
  assert.ok(lines.length <= MAX_MESSAGE_LINES + 1, `${lines.length} lines`);
  assert.ok(capped.length <= MAX_MESSAGE_CHARS + 100, `${capped.length} characters`);
  assert.match(lines.at(-1) ?? '', /… \(199940 more lines\)/);
  assert.equal(boundedMessage('short'), 'short');
  const long = boundedMessage('y'.repeat(1e6));
  assert.ok(long.length < 600 && long.endsWith('… (999500 more characters)'), long.slice(-40));
});

test('the CLI prints a capped message for a config whose bad key is 200,000 characters long', () => {
  const key = 'k'.repeat(200_000);
  const path = join(folder, 'long-key.revnet.json');
  writeFileSync(path, JSON.stringify({ ...TINY_CONFIG, [key]: 1 }));
  const cli = join(root, 'engine', 'cli', 'main.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'inspect', '--model', path, '--backend', 'cpu'], { encoding: 'utf8', cwd: root });
  assert.equal(run.status, 1, run.stderr.slice(0, 500));
  assert.match(run.stderr, /long-key\.revnet\.json: 1 problem in the model file/);
  assert.ok(run.stderr.length < MAX_MESSAGE_CHARS + 200, `stderr has ${run.stderr.length} characters`);
});
