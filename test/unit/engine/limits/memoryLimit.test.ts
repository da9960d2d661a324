// The memory limit (engine/limits): sizes parse, and train, inspect, forward and invert refuse work whose
// analytic estimate exceeds the limit, before allocating (numTensors unchanged, no file written), with the
// asked-for bytes and the limit in the message; a generous limit lets the work run; the CLI says it in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { inspectModel } from '../../../../engine/inspect/inspectModel';
import { writeNpySync } from '../../../../engine/io/npy';
import { defaultMemoryLimit, MemoryLimitError, parseByteSize, resolveMemoryLimit } from '../../../../engine/limits/memoryLimit';
import { analyzeModel, withUnitsPerStage } from '../../../../engine/model/analysis';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { forward } from '../../../../engine/operations/forward';
import { invert } from '../../../../engine/operations/invert';
import { trainModel } from '../../../../engine/train/trainModel';
import { useTestBackend } from '../networkFixtures';
import { tempFolder, tinyDataset, TINY_CONFIG, writeTinyConfig } from '../trainHelpers';
import { modelEstimate } from '../../../../engine/limits/estimates';

before(useTestBackend);

const config = withDefaults(TINY_CONFIG);
const never = { cancelled: false };

test('sizes parse with decimal and binary units; bad ones are named', () => {
  assert.equal(parseByteSize('8GiB'), 8 * 1024 * 1024 * 1024);
  assert.equal(parseByteSize('500MB'), 500_000_000);
  assert.equal(parseByteSize('1.5G'), 1.5 * 2 ** 30);
  assert.equal(parseByteSize(' 64 kib '), 65536);
  assert.equal(parseByteSize('1048576'), 1048576);
  assert.equal(parseByteSize('2tb'), 2e12);
  for (const bad of ['', 'abc', '-1MB', '0', '1XB', '1e9', 'GB']) assert.throws(() => parseByteSize(bad), /is not a size|more than 0 bytes/, bad);
});

test('the limit: the request\'s own, else REVNET_MEMORY_LIMIT, else half the machine\'s memory', () => {
  assert.equal(defaultMemoryLimit(), Math.floor(totalmem() / 2));
  assert.equal(resolveMemoryLimit(1234, { REVNET_MEMORY_LIMIT: '1GiB' }), 1234);
  assert.equal(resolveMemoryLimit(undefined, { REVNET_MEMORY_LIMIT: '1GiB' }), 2 ** 30);
  assert.equal(resolveMemoryLimit(undefined, {}), Math.floor(totalmem() / 2));
  assert.throws(() => resolveMemoryLimit(undefined, { REVNET_MEMORY_LIMIT: 'lots' }), /REVNET_MEMORY_LIMIT: "lots" is not a size/);
  assert.throws(() => resolveMemoryLimit(-5, {}), /memoryLimitBytes must be a number of bytes > 0/);
});

function bytesIn(message: string): number[] {
  return [...message.matchAll(/\((\d+) bytes\)/g)].map((m) => Number(m[1]));
}

test('train under a limit below its step: refused with the estimate and the limit, nothing allocated or written', async () => {
  const batchSize = 16;
  const analysis = analyzeModel(config, batchSize);
  // reversible step + one SGD momentum slot per parameter
  const expected = analysis.peak.reversible.total + analysis.totals.params * 4;
  const limit = expected - 1;
  const outDir = join(tempFolder('memlimit-train'), 'out');
  const tensors = tf.memory().numTensors;
  const params = { model: { configPath: writeTinyConfig(tempFolder('memlimit-config')) }, data: { kind: 'random' as const, count: 48 }, epochs: 1, batchSize, outDir, optimizer: 'sgd' as const, momentum: 0.9, steps: 1 };
  let loaded = false;
  await assert.rejects(
    trainModel({ ...params, memoryLimitBytes: limit }, () => undefined, never, { loadData: () => ((loaded = true), tinyDataset()) }),
    (error: Error) => {
      assert.ok(error instanceof MemoryLimitError, error.message);
      assert.match(error.message, /training model "tiny-test" \(reversible backprop, batch 16, sgd\) would need about/);
      assert.deepEqual(bytesIn(error.message), [expected, limit]);
      return true;
    },
  );
  assert.equal(loaded, false, 'refused before the data was loaded');
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(existsSync(outDir), false);

  // standard mode asks for more: its own estimate
  const standard = analysis.peak.standard.total + analysis.totals.params * 4;
  assert.ok(standard > expected);
  await assert.rejects(trainModel({ ...params, mode: 'standard', memoryLimitBytes: standard - 1 }, () => undefined, never, { loadData: () => tinyDataset() }), (error: Error) => {
    assert.deepEqual(bytesIn(error.message), [standard, standard - 1]);
    return true;
  });

  const result = await trainModel({ ...params, memoryLimitBytes: expected }, () => undefined, never, { loadData: () => tinyDataset() });
  assert.equal(result.status, 'finished');
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(readdirSync(outDir).some((name) => name.endsWith('.safetensors')));
});

test('inspect under a limit below its largest step (both modes, depth copies beside the model): refused; above: runs', async () => {
  const batchSize = 8;
  const own = analyzeModel(config, batchSize).peak;
  // the tiny model has 2 units in its one stage: the depth series measures a 1-unit copy beside it
  const copy = analyzeModel(withUnitsPerStage(config, 1), batchSize).peak;
  const expected = Math.max(own.standard.total, own.reversible.total, own.standard.weightBytes + Math.max(copy.standard.total, copy.reversible.total));
  const model = { configPath: writeTinyConfig(tempFolder('memlimit-inspect')) };
  const tensors = tf.memory().numTensors;
  // below what the model itself needs: refused before its network is built
  await assert.rejects(inspectModel({ model, batchSize, data: { kind: 'random', count: 16 }, memoryLimitBytes: 1000 }, never), (error: Error) => {
    assert.ok(error instanceof MemoryLimitError);
    assert.match(error.message, /inspecting model "tiny-test" \(its weights and one example\)/);
    assert.deepEqual(bytesIn(error.message), [modelEstimate(config), 1000]);
    return true;
  });
  const floor = modelEstimate(config);
  await assert.rejects(inspectModel({ model, batchSize, data: { kind: 'random', count: 16 }, memoryLimitBytes: floor }, never), (error: Error) => {
    assert.ok(error instanceof MemoryLimitError);
    assert.match(error.message, /inspecting model "tiny-test" \(both backprop modes and the depth series, batch 8\)/);
    assert.deepEqual(bytesIn(error.message), [expected, floor]);
    return true;
  });
  assert.equal(tf.memory().numTensors, tensors);
  await assert.rejects(inspectModel({ model, batchSize, data: { kind: 'random', count: 16 }, memoryLimitBytes: expected - 1 }, never), MemoryLimitError);
  const report = await inspectModel({ model, batchSize, data: { kind: 'random', count: 16 }, memoryLimitBytes: expected }, never);
  assert.equal(report.batchSize, batchSize);
  assert.equal(tf.memory().numTensors, tensors);
});

test('forward and invert: the estimate grows with the input\'s batch; over the limit nothing is written', async () => {
  const folder = tempFolder('memlimit-ops');
  const model = { configPath: writeTinyConfig(folder) };
  const batch = 5;
  const input = join(folder, 'images.npy');
  writeNpySync(input, { shape: [batch, 8, 8, 1], data: Float32Array.from({ length: batch * 64 }, (_, i) => (i % 7) / 7) });
  const analysis = analyzeModel(config, batch);
  // inference inside one tidy: weights, the input and every activation a standard backward pass would keep
  const expected = analysis.peak.standard.weightBytes + analysis.peak.standard.inputBytes + analysis.totals.storedBytes;
  const tensors = tf.memory().numTensors;
  const output = join(folder, 'features.npy');
  await assert.rejects(forward({ model, inputPath: input, outputPath: output, memoryLimitBytes: expected - 1 }), (error: Error) => {
    assert.match(error.message, /running model "tiny-test" forward on 5 images/);
    assert.deepEqual(bytesIn(error.message), [expected, expected - 1]);
    return true;
  });
  assert.equal(existsSync(output), false);
  assert.equal(tf.memory().numTensors, tensors);
  await forward({ model, inputPath: input, outputPath: output, memoryLimitBytes: expected });
  assert.ok(existsSync(output));

  const inverted = join(folder, 'inverted.npy');
  await assert.rejects(invert({ model, inputPath: output, outputPath: inverted, memoryLimitBytes: expected - 1 }), (error: Error) => {
    assert.match(error.message, /inverting 5 tensors/);
    assert.deepEqual(bytesIn(error.message), [expected, expected - 1]);
    return true;
  });
  assert.equal(existsSync(inverted), false);
  assert.equal(tf.memory().numTensors, tensors);
  await invert({ model, inputPath: output, outputPath: inverted, memoryLimitBytes: expected });
  assert.ok(existsSync(inverted));
});

test('the CLI prints the refusal in one line without a stack trace and exits non-zero', () => {
  const main = join(import.meta.dirname, '../../../../engine/cli/main.ts');
  const out = join(tempFolder('memlimit-cli'), 'out');
  const train = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', '--preset', 'mnist-tiny', '--data', 'random:count=32', '--epochs', '1', '--batch', '16', '--out', out, '--backend', 'cpu', '--memory-limit', '1MB'], { encoding: 'utf8' });
  assert.equal(train.status, 1, train.stderr);
  assert.match(train.stderr, /^revnet: training model "mnist-tiny" .* would need about .* over the memory limit of 976\.56 KiB \(1000000 bytes\)/);
  assert.doesNotMatch(train.stderr, /\n\s+at /);
  assert.equal(existsSync(out), false);

  const env = { ...process.env, REVNET_MEMORY_LIMIT: '2KiB' };
  const inspect = spawnSync(process.execPath, ['--import', 'tsx', main, 'inspect', '--preset', 'mnist-tiny', '--backend', 'cpu', '--quiet'], { encoding: 'utf8', env });
  assert.equal(inspect.status, 1, inspect.stderr);
  assert.match(inspect.stderr, /^revnet: inspecting model "mnist-tiny" .* over the memory limit of 2\.00 KiB \(2048 bytes\)/);
  assert.doesNotMatch(inspect.stderr, /\n\s+at /);

  const bad = spawnSync(process.execPath, ['--import', 'tsx', main, 'forward', '--preset', 'mnist-tiny', '--input', 'x.npy', '--output', 'y.npy', '--memory-limit', 'plenty'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^revnet: forward: --memory-limit: "plenty" is not a size/);
});
