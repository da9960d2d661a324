// Model files: every broken fixture gives its own message at its JSON path; good files load with defaults;
// the checked-in JSON Schema is the one schema.ts generates, and an independent validator (ajv) agrees with ours.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { describeArchitecture } from '../../../../engine/model/architecture';
import { DEFAULT_BATCH_NORM, type RevNetConfig } from '../../../../engine/model/config';
import { SeededRandom } from '../../../../engine/util/random';
import { findJsonSyntaxError } from '../../../../engine/model/jsonSyntax';
import { loadConfig, parseConfig } from '../../../../engine/model/loadConfig';
import { PRESET_NAMES, presetConfig } from '../../../../engine/model/presets';
import { renderSchemaJson, revnetSchema, type JsonSchema } from '../../../../engine/model/schema';
import { ConfigError, configProblems } from '../../../../engine/model/validateConfig';

const root = join(__dirname, '..', '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'configs');

/** Where a fragment first occurs in a text, as 1-based line and column, counted by hand. */
function positionOf(text: string, fragment: string, offsetInFragment = 0): { line: number; column: number } {
  const index = text.indexOf(fragment) + offsetInFragment;
  assert.ok(index >= offsetInFragment, `fragment ${JSON.stringify(fragment)} not in the fixture`);
  const lines = text.slice(0, index).split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

async function problemsOf(file: string): Promise<ConfigError> {
  const path = join(fixtures, file);
  const error = await loadConfig(path).then(
    () => assert.fail(`${file} loaded without an error`),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ConfigError, `${file}: expected a ConfigError, got ${String(error)}`);
  assert.ok(error.message.startsWith(`${path}: `), `${file}: the message must start with the file name: ${error.message}`);
  assert.ok(!/\n\s+at /.test(error.message), 'no stack trace in the message');
  return error;
}

/** Expected [path, a regular expression its message must match] per broken fixture. */
const expectations: Record<string, [string, RegExp][]> = {
  'bad-not-json.revnet.json': [['', /^not valid JSON at line 1, column 1: unexpected "t"/]],
  'bad-empty-file.revnet.json': [['', /^not valid JSON at line 1, column 1: the file is empty/]],
  'bad-missing-field.revnet.json': [['head', /^missing required field; expected an object/]],
  'bad-wrong-type.revnet.json': [['classes', /^expected an integer ≥ 2 and ≤ 100000, got the string "ten"$/]],
  'bad-negative-units.revnet.json': [['stages[0].units', /^expected an integer ≥ 1 and ≤ 1000, got -1$/]],
  'bad-odd-channels.revnet.json': [['stages[1].channels', /^expected an even number .*got 65$/]],
  'bad-unknown-field.revnet.json': [['stages[0].widht', /^unknown field "widht" \(did you mean "width"\?\)/]],
  'bad-unknown-enum.revnet.json': [['stages[1].downsample', /^expected one of "none", "strided", "squeeze", got the string "stride" \(did you mean "strided"\?\)$/]],
  'bad-squeeze-channels.revnet.json': [['stages[1].channels', /^expected 16 \(4 × the 4 channels entering the squeeze\), got 8$/]],
  'bad-odd-size-at-squeeze.revnet.json': [
    ['input.height', /^expected an even height: the stem squeeze .* got 27$/],
    ['stages[1].downsample', /needs an even height and width, but the stage's input is 13x14x4$/],
  ],
  'bad-odd-size-strided.revnet.json': [['stages[1].downsample', /^a strided transition .* needs an even height and width, but the stage's input is 7x7x16$/]],
  'bad-normalization-length.revnet.json': [['normalization.mean', /^expected 1 value \(one per input channel.*got 3$/]],
  'bad-stages-empty.revnet.json': [['stages', /^expected an array with at least 1 item and with at most 64 items, got an empty array$/]],
  'bad-stem-kind.revnet.json': [['stem.kind', /^expected "conv" or "squeeze", got the string "pool"$/]],
  'bad-transition-alone.revnet.json': [['stages[1].units', /^expected at least 2: the stage's first unit is a non-reversible transition/]],
  'bad-bottleneck-width.revnet.json': [['stages[0].channels', /^expected a multiple of 8 for a bottleneck stage without "width"/]],
  'bad-many-problems.revnet.json': [
    ['name', /^expected a non-empty string$/],
    ['input.width', /^expected an integer ≥ 1 and ≤ 8192, got the number 28.5$/],
    ['classes', /^expected an integer ≥ 2 and ≤ 100000, got 1$/],
    ['stem.channels', /^expected an even number/],
    ['stages[0].units', /^expected an integer ≥ 1 and ≤ 1000, got 0$/],
    ['stages[0].residual', /did you mean "basic"/],
    ['stages[0].colour', /^unknown field "colour"/],
    ['head.hidden', /^expected an integer ≥ 1 and ≤ 65536, got 0$/],
    ['batchNorm.momentum', /^expected a number ≥ 0 and < 1, got 1.5$/],
    ['batchNorm.epsilon', /^expected a number > 0, got 0$/],
  ],
};

describe('broken model files', () => {
  it('has a fixture for every expectation and an expectation for every fixture', () => {
    const files = readdirSync(fixtures).filter((name) => name.startsWith('bad-'));
    const syntax = ['bad-trailing-comma.revnet.json', 'bad-missing-comma.revnet.json'];
    assert.deepEqual(files.sort(), [...Object.keys(expectations), ...syntax].sort());
    assert.ok(files.length >= 12);
  });

  for (const [file, expected] of Object.entries(expectations)) {
    it(`${file}: every problem at its JSON path, and nothing else`, async () => {
      const error = await problemsOf(file);
      assert.equal(error.problems.length, expected.length, error.message);
      for (const [path, pattern] of expected) {
        const found = error.problems.find((problem) => problem.path === path && pattern.test(problem.message));
        assert.ok(found, `${file}: no problem at "${path}" matching ${pattern}; got:\n${error.message}`);
      }
    });
  }

  it('gives each broken file its own message', async () => {
    const messages = new Map<string, string>();
    for (const file of Object.keys(expectations)) {
      const error = await problemsOf(file);
      const text = error.problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
      for (const [other, otherText] of messages) assert.notEqual(text, otherText, `${file} and ${other} give the same message`);
      messages.set(file, text);
    }
  });

  it('places a trailing comma at its line and column', async () => {
    const file = 'bad-trailing-comma.revnet.json';
    const text = readFileSync(join(fixtures, file), 'utf8');
    const { line, column } = positionOf(text, '128, }', 3);
    const error = await problemsOf(file);
    assert.equal(error.problems[0]?.message, `not valid JSON at line ${line}, column ${column}: trailing comma before "}"`);
  });

  it('places a missing comma where the next field starts', async () => {
    const file = 'bad-missing-comma.revnet.json';
    const text = readFileSync(join(fixtures, file), 'utf8');
    const { line, column } = positionOf(text, '"stem"');
    const error = await problemsOf(file);
    assert.match(error.problems[0]?.message ?? '', new RegExp(`^not valid JSON at line ${line}, column ${column}: .*missing comma`));
  });

  it('locates JSON syntax errors that JSON.parse reports without a position', () => {
    for (const [text, line, column, pattern] of [
      ['[1,2,]', 1, 5, /trailing comma before "]"/],
      ['{\n  "a": 1\n  // note\n}', 3, 3, /comments are not allowed/],
      ["{\n 'a': 1 }", 2, 2, /expected a field name in double quotes/],
      ['{"a": "x\n"}', 1, 9, /may not span lines/],
      ['{"a": 1} extra', 1, 10, /after the end of the JSON value/],
      ['{"a": tru}', 1, 7, /expected a value/],
    ] as const) {
      assert.throws(() => JSON.parse(text));
      const found = findJsonSyntaxError(text);
      assert.ok(found, text);
      assert.deepEqual([found.line, found.column], [line, column], `${JSON.stringify(text)}: ${found.message}`);
      assert.match(found.message, pattern);
    }
    for (const text of ['{}', '[]', '{"a": [1, -2.5e3, true, null, "\\u00e9\\n"]}', ' 0 ']) {
      assert.equal(findJsonSyntaxError(text), undefined, text);
    }
  });

  it('says plainly that a file is missing or is a directory', async () => {
    const missing = join(fixtures, 'no-such-model.revnet.json');
    await assert.rejects(loadConfig(missing), (error: unknown) => error instanceof ConfigError && error.message === `${missing}: no such file`);
    await assert.rejects(loadConfig(fixtures), (error: unknown) => error instanceof ConfigError && error.message === `${fixtures}: is a directory, not a model file`);
  });

  it('reports a value of the wrong kind at the top level', () => {
    for (const value of [null, [], 'model', 3]) {
      const problems = configProblems(value);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.path, '');
      assert.match(problems[0]?.message ?? '', /^expected an object, got /);
    }
  });
});

describe('good model files', () => {
  it('loads a file using every optional field, keeping what it says', async () => {
    const config = await loadConfig(join(fixtures, 'good-cifar-conv-stem.revnet.json'));
    assert.equal(config.batchNorm?.momentum, 0.99);
    assert.deepEqual(
      config.stages.map((stage) => stage.width),
      [16, 12, 128],
      'explicit widths are kept, missing ones become channels/2 (basic)',
    );
    assert.equal(config.training?.mode, 'reversible');
  });

  for (const name of PRESET_NAMES) {
    it(`preset ${name} validates and gets its defaults filled in`, () => {
      const preset = presetConfig(name);
      const loaded = parseConfig(JSON.stringify(preset), `${name}.revnet.json`);
      assert.deepEqual(loaded.batchNorm, DEFAULT_BATCH_NORM);
      loaded.stages.forEach((stage, index) => {
        const written = preset.stages[index];
        const expected = written.width ?? (written.residual === 'bottleneck' ? written.channels / 8 : written.channels / 2);
        assert.equal(stage.width, expected);
      });
      assert.deepEqual({ ...loaded, batchNorm: undefined, stages: loaded.stages.map((s) => ({ ...s, width: undefined })) }, {
        ...preset,
        batchNorm: undefined,
        stages: preset.stages.map((s) => ({ ...s, width: undefined })),
      });
    });
  }

  it('reads a byte-order mark as nothing', () => {
    const config = parseConfig(`\ufeff${JSON.stringify(presetConfig('mnist-tiny'))}`, 'bom.revnet.json');
    assert.equal(config.name, 'mnist-tiny');
  });
});

describe('the JSON Schema', () => {
  it('is checked in as generated from engine/model/schema.ts (run "npm run schema" if this fails)', () => {
    const checkedIn = readFileSync(join(root, 'schema', 'revnet.schema.json'), 'utf8');
    assert.equal(checkedIn, renderSchemaJson());
  });

  it('describes every field for editor hovers', () => {
    const undocumented: string[] = [];
    const visit = (schema: JsonSchema, path: string): void => {
      if (!schema.description || !schema.markdownDescription) undocumented.push(path || '(root)');
      for (const [key, child] of Object.entries(schema.properties ?? {})) visit(child, `${path}.${key}`);
      if (schema.items) visit(schema.items, `${path}[]`);
      schema.oneOf?.forEach((branch, index) => visit(branch, `${path}|${index}`));
    };
    visit(revnetSchema, '');
    assert.deepEqual(undocumented, []);
  });

  it('is accepted by an independent validator (ajv), which agrees with ours on every fixture and preset', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(renderSchemaJson()) as object);
    for (const name of PRESET_NAMES) assert.ok(validate(presetConfig(name)), `${name}: ${ajv.errorsText(validate.errors)}`);
    for (const file of readdirSync(fixtures)) {
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(join(fixtures, file), 'utf8'));
      } catch {
        continue; // syntax fixtures
      }
      const schemaProblems = configProblems(value).filter((problem) => !/even|multiple of 8|at least 2:|4 ×|one per input channel/.test(problem.message));
      assert.equal(validate(value), schemaProblems.length === 0, `${file}: ajv says ${ajv.errorsText(validate.errors)}; we say ${JSON.stringify(schemaProblems)}`);
    }
  });
});

describe('the validator and the network agree', () => {
  it('on 2,000 seeded mutations of the presets: accepted configs build, rejected shapes are caught', () => {
    const random = new SeededRandom(2017);
    const pick = <T>(items: readonly T[]): T => items[random.int(items.length)];
    let accepted = 0;
    let rejected = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const config = structuredClone<RevNetConfig>(presetConfig(pick(PRESET_NAMES)));
      for (let edits = 1 + random.int(3); edits > 0; edits--) {
        const stage = pick(config.stages);
        switch (random.int(8)) {
          case 0: stage.channels = pick([2, 3, 4, 6, 8, 12, 16, 24, 32, 36, 64, 128]); break;
          case 1: stage.units = pick([1, 2, 3]); break;
          case 2: stage.downsample = pick(['none', 'strided', 'squeeze'] as const); break;
          case 3: stage.residual = pick(['basic', 'bottleneck'] as const); break;
          case 4: config.input.height = pick([7, 14, 27, 28, 32]); config.input.width = pick([14, 28, 30, 32]); break;
          case 5: config.stem = pick([{ kind: 'squeeze' }, { kind: 'conv', channels: pick([3, 4, 8, 16, 32]) }] as const); break;
          case 6: stage.width = pick([1, 3, 16]); break;
          default: config.stages.push({ ...stage, downsample: pick(['none', 'strided', 'squeeze'] as const) });
        }
      }
      const problems = configProblems(config);
      let built: string | undefined;
      try {
        describeArchitecture(config);
      } catch (error) {
        built = (error as Error).message;
      }
      if (problems.length === 0) {
        accepted++;
        assert.equal(built, undefined, `accepted but does not build: ${JSON.stringify(config)}`);
      } else {
        rejected++;
        assert.ok(problems.every((problem) => problem.path !== ''), JSON.stringify(problems));
      }
      if (built !== undefined) assert.ok(problems.length > 0, `builds fail (${built}) but the validator accepts ${JSON.stringify(config)}`);
    }
    assert.ok(accepted > 200 && rejected > 200, `accepted ${accepted}, rejected ${rejected}`);
  });
});
