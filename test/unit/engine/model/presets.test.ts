// The presets follow the paper's tables (DESIGN.md) and the digit presets are built only from invertible
// pieces; `revnet new` writes each as a file that loads back to the same model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../../../engine/model/loadConfig';
import { PRESET_NAMES, presetConfig, presetSummaries } from '../../../../engine/model/presets';
import { withDefaults } from '../../../../engine/model/validateConfig';

const root = join(__dirname, '..', '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'revnet-presets-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function revnet(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'engine', 'cli', 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('presets', () => {
  // From DESIGN.md ("The paper's models"): units per stage, channels per stage, residual kind.
  const paper = {
    'revnet-38': { units: [3, 3, 3], channels: [32, 64, 112], residual: 'basic' },
    'revnet-110': { units: [9, 9, 9], channels: [32, 64, 128], residual: 'basic' },
    // filters 32-64-128 with the x4 bottleneck expansion of each half: stage outputs 128-256-512
    'revnet-164': { units: [9, 9, 9], channels: [128, 256, 512], residual: 'bottleneck' },
  } as const;

  for (const [name, facts] of Object.entries(paper)) {
    it(`${name} is the paper's CIFAR network`, () => {
      const config = withDefaults(presetConfig(name, { classes: 100 }));
      assert.deepEqual(config.input, { height: 32, width: 32, channels: 3 });
      assert.deepEqual(config.stem, { kind: 'conv', channels: 32 });
      assert.deepEqual(config.stages.map((stage) => stage.units), facts.units);
      assert.deepEqual(config.stages.map((stage) => stage.channels), facts.channels);
      assert.ok(config.stages.every((stage) => stage.residual === facts.residual));
      assert.deepEqual(config.stages.map((stage) => stage.downsample), ['none', 'strided', 'strided'], 'strides 1-2-2');
      if (facts.residual === 'bottleneck') assert.deepEqual(config.stages.map((stage) => stage.width), [16, 32, 64]);
      assert.deepEqual(config.head, { pool: 'global-average' });
      assert.equal(config.classes, 100);
    });
  }

  for (const name of ['mnist-tiny', 'mnist-small']) {
    it(`${name} is built only from invertible pieces for 28x28x1 digits`, () => {
      const config = presetConfig(name);
      assert.deepEqual(config.input, { height: 28, width: 28, channels: 1 });
      assert.equal(config.stem.kind, 'squeeze');
      let channels = 4;
      for (const stage of config.stages) {
        assert.ok(stage.downsample === 'none' || stage.downsample === 'squeeze', 'no strided transition');
        if (stage.downsample === 'squeeze') channels *= 4;
        assert.equal(stage.channels, channels, 'no channel-changing transition');
      }
    });
  }

  it('rejects an unknown preset and bad class counts, naming the presets', () => {
    assert.throws(() => presetConfig('revnet-50'), /unknown preset "revnet-50"; the presets are revnet-38, revnet-110, revnet-164, mnist-tiny, mnist-small/);
    assert.throws(() => presetConfig('mnist-tiny', { classes: 1 }), /classes must be an integer ≥ 2/);
  });
});

describe('revnet new', () => {
  for (const name of PRESET_NAMES) {
    it(`writes ${name} as a file that loads back to the same model, with a $schema that resolves`, async () => {
      const out = join(scratch, 'models', `${name}.revnet.json`);
      const result = revnet('new', '--preset', name, '--out', out);
      assert.equal(result.status, 0, result.stderr);
      const written = JSON.parse(readFileSync(out, 'utf8')) as { $schema: string };
      assert.equal(resolve(dirname(out), written.$schema), join(root, 'schema', 'revnet.schema.json'));
      const loaded = await loadConfig(out);
      assert.deepEqual({ ...loaded, $schema: undefined }, { ...withDefaults(presetConfig(name)), $schema: undefined });
    });
  }

  it('takes --classes and --name', async () => {
    const out = join(scratch, 'c100.revnet.json');
    const result = revnet('new', '--preset', 'revnet-38', '--classes', '100', '--name', 'cifar100 model', '--out', out);
    assert.equal(result.status, 0, result.stderr);
    const loaded = await loadConfig(out);
    assert.equal(loaded.classes, 100);
    assert.equal(loaded.name, 'cifar100 model');
  });

  it('refuses to overwrite a file without --force', () => {
    const out = join(scratch, 'existing.revnet.json');
    writeFileSync(out, 'keep me');
    const refused = revnet('new', '--preset', 'mnist-tiny', '--out', out);
    assert.equal(refused.status, 2);
    assert.equal(refused.stderr, `revnet: new: ${out} already exists; use --force to overwrite it\n`);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
    const forced = revnet('new', '--preset', 'mnist-tiny', '--out', out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).name, 'mnist-tiny');
  });

  it('lists the presets, one line each', () => {
    const result = revnet('new', '--list');
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((line) => line.split(/\s+/)[0]), [...PRESET_NAMES]);
    presetSummaries().forEach(({ summary }, index) => assert.ok(lines[index]?.endsWith(summary)));
  });

  it('explains a missing or unknown preset and a bad class count without a stack trace', () => {
    const out = join(scratch, 'never.revnet.json');
    for (const [args, message] of [
      [['--out', out], /--preset is required/],
      [['--preset', 'mnist-tiny'], /--out FILE is required/],
      [['--preset', 'resnet', '--out', out], /unknown preset "resnet"/],
      [['--preset', 'mnist-tiny', '--classes', 'ten', '--out', out], /--classes must be a number, got "ten"/],
      [['--preset', 'mnist-tiny', '--classes', '1', '--out', out], /classes must be an integer ≥ 2, got 1/],
    ] as const) {
      const result = revnet('new', ...args);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.equal(existsSync(out), false);
  });
});
