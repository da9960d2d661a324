// End to end: a PyTorch RevNet built as docs/pytorch-import.md says (test/fixtures/torch_revnet.py),
// its state_dict saved as safetensors, loaded by loadModel and run on the cpu backend: the logits must
// match PyTorch's. Skipped when no python3 with torch is found (Debian: python3-torch).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readNpy } from '../../../../engine/io/npy';
import { loadModel } from '../../../../engine/model/saveLoad';

function findTorchPython(): string | undefined {
  for (const python of [process.env['REVNET_TORCH_PYTHON'], 'python3', '/usr/bin/python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

const python = findTorchPython();
const script = join(__dirname, '..', '..', '..', 'fixtures', 'torch_revnet.py');

const configs = {
  // conv stem, basic strided transition (zero-padded shortcut), bottleneck strided transition (projection), flatten head with hidden
  'conv-strided-flatten': {
    name: 'torch-check-a', input: { height: 8, width: 8, channels: 3 }, classes: 5, stem: { kind: 'conv', channels: 8 },
    stages: [
      { units: 2, channels: 8, residual: 'basic', width: 4, downsample: 'none' },
      { units: 2, channels: 16, residual: 'basic', width: 6, downsample: 'strided' },
      { units: 2, channels: 32, residual: 'bottleneck', width: 4, downsample: 'strided' },
    ],
    head: { pool: 'flatten', hidden: 7 },
  },
  // squeeze stem, a squeeze stage, a channel-changing "none" transition, global average pooling
  'squeeze-average': {
    name: 'torch-check-b', input: { height: 12, width: 12, channels: 1 }, classes: 4, stem: { kind: 'squeeze' },
    stages: [
      { units: 2, channels: 4, residual: 'basic', width: 6, downsample: 'none' },
      { units: 1, channels: 16, residual: 'basic', width: 5, downsample: 'squeeze' },
      { units: 2, channels: 24, residual: 'bottleneck', width: 3, downsample: 'none' },
    ],
    head: { pool: 'global-average' },
  },
  // the flatten head without a hidden layer: the permutation lands on head.fc
  'flatten-no-hidden': {
    name: 'torch-check-c', input: { height: 6, width: 4, channels: 2 }, classes: 3, stem: { kind: 'conv', channels: 6 },
    stages: [{ units: 2, channels: 6, residual: 'basic', width: 3, downsample: 'none' }],
    head: { pool: 'flatten' },
  },
};

let dir = '';
let exported: { status: number | null; stderr: string } = { status: null, stderr: '' };
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'revnet-torch-'));
  await tf.setBackend('cpu');
  if (python === undefined) return;
  const args = Object.entries(configs).flatMap(([label, config]) => {
    writeFileSync(join(dir, `${label}.revnet.json`), JSON.stringify(config));
    return [join(dir, `${label}.revnet.json`), join(dir, label)];
  });
  exported = spawnSync(python, [script, '5', ...args], { encoding: 'utf8' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a PyTorch RevNet imported from its state_dict', { skip: python === undefined ? 'no python3 with torch' : false }, () => {
  for (const label of Object.keys(configs)) {
    it(`${label}: our logits equal PyTorch's`, async () => {
      const out = join(dir, label);
      const configPath = join(dir, `${label}.revnet.json`);
      assert.equal(exported.status, 0, exported.stderr);
      const model = await loadModel(configPath, join(out, 'weights.safetensors'));
      assert.match(model.note ?? '', /converted from PyTorch layout/);
      const input = readNpy(join(out, 'input.npy'));
      const expected = readNpy(join(out, 'logits.npy'));
      const before = tf.memory().numTensors;
      const images = tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number]);
      const logits = model.network.predict(images);
      const actual = logits.dataSync();
      assert.deepEqual(logits.shape, expected.shape);
      let maxAbs = 0;
      let maxValue = 0;
      for (let i = 0; i < actual.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(actual[i] - (expected.data[i] as number)));
        maxValue = Math.max(maxValue, Math.abs(expected.data[i] as number));
      }
      tf.dispose([images, logits]);
      assert.equal(tf.memory().numTensors, before);
      model.network.dispose();
      assert.ok(maxValue > 0.01, 'the logits are not trivially zero');
      assert.ok(maxAbs <= 1e-4 * Math.max(1, maxValue), `max |ours - PyTorch| = ${maxAbs} (largest logit ${maxValue})`);
      console.log(`${label}: max |ours - PyTorch| = ${maxAbs.toExponential(2)}, largest logit ${maxValue.toFixed(3)}`);
    });
  }
});
