// The pieces of `revnet import` that need no torch: rule replacements, the expected tensors in PyTorch's order,
// the tolerance's ingredients, and telling torch.save files from safetensors without unpickling anything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundingDepth } from '../../../../engine/import/checkLogits';
import { expandReplacement, ImportError, mapByOrder } from '../../../../engine/import/mapping';
import { torchTargets } from '../../../../engine/import/torchTargets';
import { describeArchitecture } from '../../../../engine/model/architecture';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, writeSafetensorsSync, type Tensor } from '../../../../engine/io/safetensors';
import { loadModel } from '../../../../engine/model/saveLoad';
import { FileFormatError } from '../../../../engine/io/fileFormatError';
import { squeezeOnlyConfig, stridedConfig, useTestBackend } from '../networkFixtures';

test('rule replacements: $N and ${N+k} / ${N-k} on numeric groups', () => {
  const groups = ['blocks.7.Fm.0.weight', '7', 'weight'];
  assert.equal(expandReplacement('stage2.unit${1-4}.f.bn1.$2', groups), 'stage2.unit3.f.bn1.weight');
  assert.equal(expandReplacement('x${1+10}.$1', groups), 'x17.7');
  assert.throws(() => expandReplacement('u${2+1}', groups), ImportError);
});

test('torchTargets: PyTorch names, OIHW / [out, in] shapes, module order (BatchNorm before its conv, F before G, shortcut after G)', () => {
  const targets = torchTargets(stridedConfig);
  const arch = describeArchitecture(stridedConfig);
  assert.equal(targets.length, arch.params.size + arch.buffers.size);
  const names = targets.map((t) => t.torchName);
  assert.deepEqual(names.slice(0, 4), ['stem.conv.weight', 'stage1.unit0.f.conv1.weight', 'stage1.unit0.f.bn2.weight', 'stage1.unit0.f.bn2.bias']);
  assert.ok(names.indexOf('stage1.unit0.f.bn2.running_var') < names.indexOf('stage1.unit0.f.conv2.weight'));
  assert.ok(names.indexOf('stage3.unit0.g.conv3.weight') < names.indexOf('stage3.unit0.shortcut.weight'));
  assert.deepEqual(names.slice(-4), ['head.hidden.weight', 'head.hidden.bias', 'head.fc.weight', 'head.fc.bias']);
  for (const t of targets) {
    const ours = arch.params.get(t.ourName) ?? arch.buffers.get(t.ourName);
    assert.deepEqual(t.ourShape, ours, t.ourName);
    if (t.role === 'conv') assert.deepEqual(t.torchShape, [ours?.[3], ours?.[2], ours?.[0], ours?.[1]]);
    if (t.role === 'linear') assert.deepEqual(t.torchShape, [ours?.[1], ours?.[0]]);
  }
});

test('mapping by order refuses a tensor whose name does not fit its place, naming it as in the file', () => {
  const targets = torchTargets(squeezeOnlyConfig);
  const sources = targets.map((t, i) => ({
    name: `m.${i}.${i === 1 ? 'running_mean' : t.torchName.slice(t.torchName.lastIndexOf('.') + 1)}`,
    tensor: { dtype: 'F32', shape: t.torchShape, data: new Float32Array(t.torchShape.reduce((a, b) => a * b, 1)) } satisfies Tensor,
  }));
  assert.throws(() => mapByOrder(sources, targets, 'user.safetensors'), (error: Error) => {
    assert.match(error.message, /"m\.1\.running_mean" \[\d+(, \d+)*\] comes where the config has stage1\.unit0\.f\.bn2\.weight/);
    return true;
  });
});

test('the tolerance grows with Σ sqrt(fan-in) over convolutions and dense layers', () => {
  const arch = describeArchitecture(squeezeOnlyConfig);
  let expected = 0;
  for (const shape of arch.params.values()) {
    if (shape.length === 4) expected += Math.sqrt((shape[0]) * (shape[1]) * (shape[2]));
    if (shape.length === 2) expected += Math.sqrt(shape[0]);
  }
  assert.ok(expected > 0);
  assert.equal(roundingDepth(arch), expected);
});

test('torch.save zip archives and legacy pickles are named as such, never parsed; a safetensors header of the same first bytes still reads', () => {
  const zip = Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00archive/data.pkl', 'latin1');
  assert.throws(() => parseSafetensors(zip, 'model.pt'), (e: Error) => e instanceof FileFormatError && /torch\.save file .* never unpickles/.test(e.message));
  const legacy = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
  assert.throws(() => parseSafetensors(legacy, 'old.pth'), /pickle \(protocol 2, a legacy torch\.save/);
  // a real safetensors file whose header is 0x0280 bytes long starts with 80 02 too
  const json = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }).padEnd(0x280, ' '));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const file = Buffer.concat([length, json, Buffer.from(new Float32Array([1]).buffer)]);
  assert.deepEqual([file[0], file[1]], [0x80, 0x02]);
  assert.equal(parseSafetensors(file, 'ok.safetensors').tensors.get('w')?.data[0], 1);
});

test('loading a PyTorch-layout file beside a config names the file\'s tensors and says which convention fits (the first F\'s BatchNorm)', async () => {
  await useTestBackend();
  const dir = mkdtempSync(join(tmpdir(), 'revnet-torch-names-'));
  try {
    // the file has the memcnn-style stage1.unit0.f.bn1 that the config (default conventions) lacks
    const withBn = torchTargets({ ...squeezeOnlyConfig, conventions: { firstUnitBatchNorm: true } });
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const t of withBn) tensors[t.torchName] = { shape: t.torchShape, data: new Float32Array(t.torchShape.reduce((a, b) => a * b, 1)).fill(0.5) };
    writeFileSync(join(dir, 'm.revnet.json'), JSON.stringify(squeezeOnlyConfig));
    writeSafetensorsSync(join(dir, 'm.safetensors'), tensors);
    await assert.rejects(loadModel(join(dir, 'm.revnet.json')), (error: Error) => {
      assert.match(error.message, /"stage1\.unit0\.f\.bn1\.running_var" \[2\] maps to "stage1\.unit0\.f\.bn1\.running_var", which this config does not have/);
      assert.match(error.message, /"firstUnitBatchNorm": true/);
      assert.doesNotMatch(error.message, /\.beta|\.variance/);
      return true;
    });
    // with the convention set, the same file loads
    writeFileSync(join(dir, 'm.revnet.json'), JSON.stringify({ ...squeezeOnlyConfig, conventions: { firstUnitBatchNorm: true } }));
    const model = await loadModel(join(dir, 'm.revnet.json'));
    assert.equal(model.network.weights.params.has('stage1.unit0.f.bn1.gamma'), true);
    model.network.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
