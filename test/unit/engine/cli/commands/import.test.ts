// `revnet import` end to end, as a user runs it: a memcnn-style PyTorch RevNet (blocks.N.Fm/Gm as
// nn.Sequential(BN, ReLU, conv, BN, ReLU, conv), F.pixel_unshuffle, a leading BatchNorm-ReLU in every F) written
// by tools/export_pytorch_revnet.py (test/fixtures/torch_memcnn_revnet.py), imported with the built CLI, and the
// written pair run here against PyTorch's logits. Skipped when no python3 with torch is found (Debian: python3-torch).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readNpy, writeNpySync } from '../../../../../engine/io/npy';
import { loadModel } from '../../../../../engine/model/saveLoad';

const root = join(__dirname, '..', '..', '..', '..', '..');
const revnet = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'revnet.cjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, REVNET_BACKEND: 'cpu' } });

function findTorchPython(): string | undefined {
  for (const python of [process.env['REVNET_TORCH_PYTHON'], '/usr/bin/python3', 'python3']) {
    if (python === undefined || python === '') continue;
    if (spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) return python;
  }
  return undefined;
}
const python = findTorchPython();

// the user's model as this project's config describes it: the conventions say what the weights cannot
const memcnnConfig = {
  name: 'mnist-memcnn',
  input: { height: 28, width: 28, channels: 1 },
  classes: 10,
  stem: { kind: 'squeeze' },
  stages: [
    { units: 2, channels: 4, residual: 'basic', width: 8, downsample: 'none' },
    { units: 2, channels: 16, residual: 'basic', width: 16, downsample: 'squeeze' },
  ],
  head: { pool: 'flatten', hidden: 32 },
  conventions: { squeezeOrder: 'pixel-unshuffle', firstUnitBatchNorm: true },
};

let dir = '';
let exported = { status: null as number | null, stderr: '' };
const file = (name: string) => join(dir, name);
const check = () => ['--check-inputs', file('memcnn.inputs.npy'), '--check-logits', file('memcnn.logits.npy')];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'revnet-import-'));
  await tf.setBackend('cpu');
  writeFileSync(file('mnist-memcnn.revnet.json'), JSON.stringify(memcnnConfig));
  writeFileSync(file('wrong-squeeze.revnet.json'), JSON.stringify({ ...memcnnConfig, conventions: { firstUnitBatchNorm: true } }));
  writeFileSync(file('no-first-bn.revnet.json'), JSON.stringify({ ...memcnnConfig, conventions: { squeezeOrder: 'pixel-unshuffle' } }));
  if (python === undefined) return;
  const run = spawnSync(python, [join(root, 'test', 'fixtures', 'torch_memcnn_revnet.py'), file('memcnn'), '3'], { encoding: 'utf8' });
  exported = { status: run.status, stderr: run.stderr };
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('revnet import of a memcnn-style PyTorch RevNet', { skip: python === undefined ? 'no python3 with torch (Debian: apt-get install python3-torch)' : false }, () => {
  it('maps by state_dict order, passes the check, and the written pair gives PyTorch\'s logits', async () => {
    assert.equal(exported.status, 0, exported.stderr);
    const out = join(dir, 'ok');
    const result = revnet('import', file('memcnn.safetensors'), '--config', file('mnist-memcnn.revnet.json'), '--out', out, ...check());
    assert.equal(result.status, 0, result.stderr);
    // the table names the user's tensors with their shapes, then ours
    assert.match(result.stdout, /blocks\.0\.Fm\.0\.weight \[2\] +→ {2}stage1\.unit0\.f\.bn1\.gamma \[2\]/);
    assert.match(result.stdout, /blocks\.0\.Fm\.2\.weight \[8, 2, 3, 3\] +→ {2}stage1\.unit0\.f\.conv1\.weight \[3, 3, 2, 8\]/);
    assert.match(result.stdout, /blocks\.3\.Gm\.5\.weight \[8, 16, 3, 3\] +→ {2}stage2\.unit1\.g\.conv2\.weight \[3, 3, 16, 8\]/);
    assert.match(result.stdout, /fc1\.weight \[32, 784\] +→ {2}head\.hidden\.weight \[784, 32\]/);
    assert.match(result.stdout, /verified/);

    // independently of the import's own check: load the pair and compare with PyTorch's logits
    {
      const model = await loadModel(join(out, 'mnist-memcnn.revnet.json'));
      assert.equal(model.config.imported?.verified, true);
      const input = readNpy(file('memcnn.inputs.npy'));
      const expected = readNpy(file('memcnn.logits.npy'));
      const before = tf.memory().numTensors;
      const logits = tf.tidy(() => model.network.predict(tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number])));
      const actual = logits.dataSync();
      logits.dispose();
      assert.equal(tf.memory().numTensors, before);
      model.network.dispose();
      let maxAbs = 0;
      let largest = 0;
      for (let i = 0; i < actual.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs((actual[i]) - (expected.data[i] as number)));
        largest = Math.max(largest, Math.abs(expected.data[i] as number));
      }
      assert.ok(largest > 1, `the logits are not trivially small (${largest})`);
      // float32 on both sides: relative agreement far below what any wrong convention gives (see the next test)
      assert.ok(maxAbs <= 1e-5 * Math.max(1, largest), `max |ours - PyTorch| = ${maxAbs} (largest logit ${largest})`);
      assert.ok(maxAbs <= (model.config.imported.tolerance ?? 0));
      console.log(`memcnn import: max |ours - PyTorch| = ${maxAbs.toExponential(2)}, largest logit ${largest.toFixed(2)}`);
    }
  });

  it('the wrong squeeze order loads without a shape problem, and the check refuses it with the measured difference', () => {
    assert.equal(exported.status, 0, exported.stderr);
    const out = join(dir, 'wrong-squeeze');
    const result = revnet('import', file('memcnn.safetensors'), '--config', file('wrong-squeeze.revnet.json'), '--out', out, ...check());
    assert.equal(result.status, 1, result.stdout);
    const match = /the check failed: our logits differ from .* by up to ([0-9.e+-]+) \(tolerance ([0-9.e+-]+)/.exec(result.stderr);
    assert.ok(match !== null, result.stderr);
    assert.ok(Number(match[1]) > 100 * Number(match[2]), result.stderr);
    assert.match(result.stderr, /squeezeOrder/);
    assert.equal(existsSync(out), false, 'nothing was written');
  });

  it('a missing leading BatchNorm in the first F is refused naming the user\'s tensors, with the convention that fits', () => {
    const result = revnet('import', file('memcnn.safetensors'), '--config', file('no-first-bn.revnet.json'), '--out', join(dir, 'no-bn'), ...check());
    assert.equal(result.status, 1);
    assert.match(result.stderr, /holds 88 weight tensors .* the config needs 84/);
    assert.match(result.stderr, /"firstUnitBatchNorm": true/);
    assert.match(result.stderr, /"blocks\.0\.Fm\.0\.weight" \[2\]/);
    assert.doesNotMatch(result.stderr, /\.gamma|\.beta|\.variance/, 'names in the user\'s naming, not ours');
  });

  it('a wrong width is reported in the user\'s names and OIHW shapes', () => {
    const config = { ...memcnnConfig, stages: [{ ...memcnnConfig.stages[0], width: 6 }, memcnnConfig.stages[1]] };
    writeFileSync(file('wrong-width.revnet.json'), JSON.stringify(config));
    const result = revnet('import', file('memcnn.safetensors'), '--config', file('wrong-width.revnet.json'), '--out', join(dir, 'w'), '--no-check');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /"blocks\.0\.Fm\.2\.weight" has shape \[8, 2, 3, 3\]; as stage1\.unit0\.f\.conv1\.weight it needs \[6, 2, 3, 3\] \(OIHW\)/);
  });

  it('regular-expression rules map the names too, and the check passes', () => {
    // memcnn's Sequential indices 0, 2, 3, 5 are bn1, conv1, bn2, conv2; blocks 2 and 3 are stage 2's units 0 and 1
    const rules: { from: string; to: string }[] = [];
    for (const [half, ours] of [['Fm', 'f'], ['Gm', 'g']] as const) {
      for (const [index, layer] of [['0', 'bn1'], ['2', 'conv1'], ['3', 'bn2'], ['5', 'conv2']] as const) {
        rules.push({ from: `blocks\\.([01])\\.${half}\\.${index}\\.(.*)`, to: `stage1.unit$1.${ours}.${layer}.$2` });
        rules.push({ from: `blocks\\.([23])\\.${half}\\.${index}\\.(.*)`, to: `stage2.unit\${1-2}.${ours}.${layer}.$2` });
      }
    }
    rules.push({ from: 'norm\\.(.*)', to: 'head.bn.$1' }, { from: 'fc1\\.(.*)', to: 'head.hidden.$1' }, { from: 'fc2\\.(.*)', to: 'head.fc.$1' });
    writeFileSync(file('rules.json'), JSON.stringify({ rules }));
    const out = join(dir, 'rules');
    const result = revnet('import', file('memcnn.safetensors'), '--config', file('mnist-memcnn.revnet.json'), '--out', out, '--mapping', file('rules.json'), ...check());
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /by the rules of the mapping file/);
    assert.match(result.stdout, /blocks\.2\.Gm\.3\.running_var \[16\] +→ {2}stage2\.unit0\.g\.bn2\.variance \[16\]/);
  });

  it('never silently: no check needs --no-check and marks the pair unverified; an existing pair needs --force', () => {
    const out = join(dir, 'unchecked');
    const args = [file('memcnn.safetensors'), '--config', file('mnist-memcnn.revnet.json'), '--out', out];
    const refused = revnet('import', ...args);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /give --check-inputs X\.npy --check-logits L\.npy .* or --no-check/);
    assert.equal(existsSync(out), false);

    const unchecked = revnet('import', ...args, '--no-check');
    assert.equal(unchecked.status, 0, unchecked.stderr);
    assert.match(unchecked.stdout, /UNVERIFIED/);
    const written = JSON.parse(readFileSync(join(out, 'mnist-memcnn.revnet.json'), 'utf8'));
    assert.equal(written.imported.verified, false);
    assert.equal(written.imported.source, 'memcnn.safetensors');

    const before = statSync(join(out, 'mnist-memcnn.safetensors')).mtimeMs;
    const again = revnet('import', ...args, ...check());
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exist; .* --force/);
    assert.equal(statSync(join(out, 'mnist-memcnn.safetensors')).mtimeMs, before, 'the pair was left alone');
    const forced = revnet('import', ...args, ...check(), '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'mnist-memcnn.revnet.json'), 'utf8')).imported.verified, true);
  });

  it('a torch.save .pt file is recognised, never unpickled, and the message says how to export', () => {
    const result = revnet('import', file('memcnn.pt'), '--config', file('mnist-memcnn.revnet.json'), '--out', join(dir, 'pt'), '--no-check');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /memcnn\.pt: is a PyTorch torch\.save file .* never unpickles .* tools\/export_pytorch_revnet\.py/);
    assert.doesNotMatch(result.stderr, /header/);
  });
});

describe('never silent (no torch needed)', () => {
  it('forward and invert refuse a config without weights unless --fresh', () => {
    writeFileSync(file('bare.revnet.json'), JSON.stringify({ ...memcnnConfig, name: 'bare' }));
    writeNpySync(file('x.npy'), { shape: [1, 28, 28, 1], data: new Float32Array(28 * 28).fill(0.5) });
    for (const command of ['forward', 'invert']) {
      const input = command === 'forward' ? file('x.npy') : file('features.npy');
      const refused = revnet(command, '--model', file('bare.revnet.json'), '--input', input, '--output', file(`${command}-out.npy`));
      assert.equal(refused.status, 2, refused.stdout);
      assert.match(refused.stderr, /has no weights beside it .* --fresh/);
      assert.equal(existsSync(file(`${command}-out.npy`)), false);
    }
    const fresh = revnet('forward', '--model', file('bare.revnet.json'), '--fresh', '--input', file('x.npy'), '--output', file('features.npy'));
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.match(fresh.stderr, /fresh random weights/);
    const inverted = revnet('invert', '--model', file('bare.revnet.json'), '--fresh', '--input', file('features.npy'), '--output', file('back.npy'));
    assert.equal(inverted.status, 0, inverted.stderr);
  });

  it('an integer .npy is refused, and --scale 1/255 gives the same result as the float file', () => {
    const pixels = Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => (i * 37) % 256);
    writeNpySync(file('digits-u8.npy'), { shape: [2, 28, 28, 1], data: pixels });
    writeNpySync(file('digits-f32.npy'), { shape: [2, 28, 28, 1], data: Float32Array.from(pixels, (p) => p * (1 / 255)) });
    const refused = revnet('forward', '--preset', 'mnist-small', '--input', file('digits-u8.npy'), '--output', file('u8-out.npy'));
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /digits-u8\.npy: has dtype uint8 .* --scale 1\/255/);
    const scaled = revnet('forward', '--preset', 'mnist-small', '--logits', '--scale', '1/255', '--input', file('digits-u8.npy'), '--output', file('u8-out.npy'));
    assert.equal(scaled.status, 0, scaled.stderr);
    assert.match(scaled.stderr, /multiplies every input value by 0\.00392/);
    const plain = revnet('forward', '--preset', 'mnist-small', '--logits', '--input', file('digits-f32.npy'), '--output', file('f32-out.npy'));
    assert.equal(plain.status, 0, plain.stderr);
    const a = readNpy(file('u8-out.npy')).data as Float32Array;
    const b = readNpy(file('f32-out.npy')).data as Float32Array;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i]) - (b[i])));
    assert.ok(worst < 1e-4, `scaled uint8 vs float32 logits differ by ${worst}`);
  });
});
