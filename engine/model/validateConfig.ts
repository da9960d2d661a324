// Checks a parsed model file against revnetSchema (schema.ts), then against the rules a schema cannot
// say (shapes that must divide, channels that must match), and reports every problem at once.
import type { RevNetConfig, StageConfig } from './config';
import { DEFAULT_BATCH_NORM } from './config';
import type { JsonSchema } from './schema';
import { LIMITS, revnetSchema } from './schema';
import { boundedMessage } from '../../protocol/boundedMessage';

export interface ConfigProblem {
  /** JSON path of the bad field, e.g. "stages[1].channels"; "" for the whole document */
  path: string;
  /** what is wrong and what was expected */
  message: string;
}

const MAX_LISTED_PROBLEMS = 50;

export class ConfigError extends Error {
  readonly fileName: string;
  readonly problems: ConfigProblem[];

  constructor(fileName: string, problems: ConfigProblem[]) {
    super(boundedMessage(ConfigError.describe(fileName, problems)));
    this.name = 'ConfigError';
    this.fileName = fileName;
    this.problems = problems;
  }

  private static describe(fileName: string, problems: ConfigProblem[]): string {
    const only = problems.at(0);
    if (problems.length === 1 && only?.path === '') return `${fileName}: ${only.message}`;
    // a hostile file can hold millions of bad elements: list the first ones only (found by test/fuzz/fuzzReaders.ts)
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const lines = listed.map((problem) => `  ${problem.path === '' ? '(top level)' : problem.path}: ${problem.message}`);
    if (problems.length > listed.length) lines.push(`  ... and ${problems.length - listed.length} more`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return `${fileName}: ${count} in the model file\n${lines.join('\n')}`;
  }
}

/** Every problem of a parsed model file, schema first, then the semantic rules; [] when it is good. */
export function configProblems(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  walkSchema(revnetSchema, value, '', problems);
  problems.push(...semanticProblems(value));
  return problems;
}

/** The config with defaults filled in (a copy), or a ConfigError listing every problem. */
export function validateConfig(value: unknown, fileName: string): RevNetConfig {
  const problems = configProblems(value);
  if (problems.length > 0) throw new ConfigError(fileName, problems);
  return withDefaults(value as RevNetConfig);
}

/** `width` of every stage and `batchNorm` made explicit. */
export function withDefaults(config: RevNetConfig): RevNetConfig {
  const copy = structuredClone(config);
  copy.stages = copy.stages.map((stage) => ({ ...stage, width: stage.width ?? defaultWidth(stage) }));
  copy.batchNorm = copy.batchNorm ?? { ...DEFAULT_BATCH_NORM };
  return copy;
}

export function defaultWidth(stage: Pick<StageConfig, 'channels' | 'residual'>): number {
  return stage.residual === 'bottleneck' ? stage.channels / 8 : stage.channels / 2;
}

// ---- the schema walk ----

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' && !Number.isInteger(value)) return `the number ${value}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined' || typeof value === 'bigint' || typeof value === 'symbol') {
    return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
  }
  return typeof value;
}

const article: Record<NonNullable<JsonSchema['type']>, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
};

/** "an integer ≥ 1", "one of "none", "strided"", … for messages. */
export function describeExpected(schema: JsonSchema): string {
  if (schema.enum) return `one of ${schema.enum.map((word) => JSON.stringify(word)).join(', ')}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.oneOf) return 'an object with "kind" ' + schema.oneOf.map((branch) => JSON.stringify(branch.properties?.['kind']?.const)).join(' or ');
  const bounds: string[] = [];
  if (schema.minimum !== undefined) bounds.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) bounds.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minItems !== undefined) bounds.push(`with at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  if (schema.maxItems !== undefined) bounds.push(`with at most ${schema.maxItems} items`);
  const base = schema.type ? article[schema.type] : 'a value';
  return bounds.length > 0 ? `${base} ${bounds.join(' and ')}` : base;
}

function hasType(schema: JsonSchema, value: unknown): boolean {
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
  }
}

function walkSchema(schema: JsonSchema, value: unknown, path: string, problems: ConfigProblem[]): void {
  const expected = (): string => `expected ${describeExpected(schema)}`;
  if (schema.oneOf) {
    walkDiscriminated(schema.oneOf, value, path, problems);
    return;
  }
  if (!hasType(schema, value)) {
    problems.push({ path, message: `${expected()}, got ${describeValue(value)}` });
    return;
  }
  if (schema.enum && !schema.enum.includes(value as string | number)) {
    problems.push({ path, message: `${expected()}, got ${describeValue(value)}${suggestion(value, schema.enum)}` });
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    problems.push({ path, message: `${expected()}, got ${describeValue(value)}` });
    return;
  }
  if (typeof value === 'number') {
    const tooSmall =
      (schema.minimum !== undefined && value < schema.minimum) ||
      (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum);
    const tooLarge =
      (schema.maximum !== undefined && value > schema.maximum) ||
      (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum);
    if (tooSmall || tooLarge) problems.push({ path, message: `${expected()}, got ${value}` });
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) {
    problems.push({ path, message: `expected a non-empty string` });
  }
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) {
    problems.push({ path, message: `expected a string of at most ${schema.maxLength} characters, got ${value.length}` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      problems.push({ path, message: `${expected()}, got ${value.length === 0 ? 'an empty array' : `${value.length} items`}` });
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      // the items of an array far too long are not checked one by one
      problems.push({ path, message: `${expected()}, got ${value.length} items` });
      return;
    }
    if (schema.items) value.forEach((item, index) => walkSchema(schema.items as JsonSchema, item, join(path, index), problems));
  }
  if (isPlainObject(value)) walkObject(schema, value, path, problems);
}

function walkObject(schema: JsonSchema, value: Record<string, unknown>, path: string, problems: ConfigProblem[]): void {
  const properties = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) {
      const field = Object.hasOwn(properties, key) ? properties[key] : undefined;
      const about = field?.description ? ` (${field.description.split(/(?<=\.) /)[0]?.replace(/\.$/, '')})` : '';
      problems.push({ path: join(path, key), message: `missing required field; expected ${field ? describeExpected(field) : 'a value'}${about}` });
    }
  }
  for (const [key, item] of Object.entries(value)) {
    // own properties only: "__proto__" or "constructor" must not pass as known fields
    const field = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (field) walkSchema(field, item, join(path, key), problems);
    else if (schema.additionalProperties === false) {
      const known = Object.keys(properties);
      problems.push({
        path: join(path, key),
        message: `unknown field "${key}"${suggestion(key, known)}; allowed here: ${known.join(', ')}`,
      });
    }
  }
}

function walkDiscriminated(branches: JsonSchema[], value: unknown, path: string, problems: ConfigProblem[]): void {
  const kinds = branches.map((branch) => branch.properties?.['kind']?.const as string);
  const expectedKinds = kinds.map((kind) => JSON.stringify(kind)).join(' or ');
  if (!isPlainObject(value)) {
    problems.push({ path, message: `expected an object with "kind" ${expectedKinds}, got ${describeValue(value)}` });
    return;
  }
  if (!Object.hasOwn(value, 'kind')) {
    problems.push({ path: join(path, 'kind'), message: `missing required field; expected ${expectedKinds}` });
    return;
  }
  const index = kinds.indexOf(value['kind'] as string);
  const branch = index < 0 ? undefined : branches[index];
  if (!branch) {
    problems.push({
      path: join(path, 'kind'),
      message: `expected ${expectedKinds}, got ${describeValue(value['kind'])}${suggestion(value['kind'], kinds)}`,
    });
    return;
  }
  walkSchema(branch, value, path, problems);
}

/** Edits (insert, delete, replace, swap two neighbours) from a to b: "widht" is one edit from "width". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function suggestion(value: unknown, candidates: readonly (string | number)[]): string {
  if (typeof value !== 'string') return '';
  const close = candidates
    .filter((candidate): candidate is string => typeof candidate === 'string')
    .map((candidate) => ({ candidate, distance: editDistance(value.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= Math.max(1, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.distance - b.distance)
    .at(0);
  return close ? ` (did you mean "${close.candidate}"?)` : '';
}

// ---- the rules a schema cannot say ----

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;

/** Follows the feature map's shape through stem and stages; skips whatever the schema already rejected. */
function semanticProblems(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isPlainObject(value)) return problems;
  const input = isPlainObject(value['input']) ? value['input'] : {};
  const inputChannels = input['channels'];
  checkNormalization(value['normalization'], inputChannels, problems);

  let height = input['height'];
  let width = input['width'];
  let channels: unknown = inputChannels;
  const stem = value['stem'];
  if (isPlainObject(stem) && stem['kind'] === 'conv') {
    channels = stem['channels'];
    if (isCount(channels) && channels % 2 !== 0) {
      problems.push({ path: 'stem.channels', message: `expected an even number (the first stage splits the stem's output in halves), got ${channels}` });
    }
  } else if (isPlainObject(stem) && stem['kind'] === 'squeeze') {
    for (const [key, size] of [['height', height], ['width', width]] as const) {
      if (isCount(size) && size % 2 !== 0) {
        problems.push({ path: `input.${key}`, message: `expected an even ${key}: the stem squeeze (space-to-depth 2x2) halves it, got ${size}` });
      }
    }
    height = isCount(height) ? Math.floor(height / 2) : height;
    width = isCount(width) ? Math.floor(width / 2) : width;
    channels = isCount(channels) ? channels * 4 : channels;
  }

  const stages = Array.isArray(value['stages']) ? value['stages'] : [];
  const totalUnits = stages.reduce((sum: number, stage: unknown) => sum + (isPlainObject(stage) && isCount(stage['units']) && stage['units'] <= LIMITS.units ? stage['units'] : 0), 0);
  if (totalUnits > LIMITS.totalUnits) {
    problems.push({ path: 'stages', message: `expected at most ${LIMITS.totalUnits} units in all stages together, got ${totalUnits}` });
  }
  stages.forEach((stage: unknown, index) => {
    if (!isPlainObject(stage)) return;
    const path = `stages[${index}]`;
    const out = stage['channels'];
    const residual = stage['residual'];
    const downsample = stage['downsample'];
    const shape = isCount(height) && isCount(width) && isCount(channels) ? `${height}x${width}x${channels}` : undefined;
    if (isCount(out) && out % 2 !== 0) {
      problems.push({ path: `${path}.channels`, message: `expected an even number (a reversible block splits channels in halves), got ${out}` });
    }
    if (downsample === 'squeeze' || downsample === 'strided') {
      const what = downsample === 'squeeze' ? 'a squeeze (space-to-depth 2x2)' : 'a strided transition (stride 2, 2x2 pooled shortcut)';
      if ((isCount(height) && height % 2 !== 0) || (isCount(width) && width % 2 !== 0)) {
        problems.push({ path: `${path}.downsample`, message: `${what} needs an even height and width, but the stage's input is ${shape ?? `${String(height)}x${String(width)}`}` });
      }
      height = isCount(height) ? Math.floor(height / 2) : height;
      width = isCount(width) ? Math.floor(width / 2) : width;
    }
    if (downsample === 'squeeze' && isCount(channels) && isCount(out) && out !== 4 * channels) {
      problems.push({ path: `${path}.channels`, message: `expected ${4 * channels} (4 × the ${channels} channels entering the squeeze), got ${out}` });
    }
    const transition = downsample === 'strided' || (downsample === 'none' && isCount(channels) && isCount(out) && out !== channels);
    if (transition && isCount(stage['units']) && stage['units'] < 2) {
      problems.push({
        path: `${path}.units`,
        message: `expected at least 2: the stage's first unit is a non-reversible transition (${downsample === 'strided' ? 'strided' : `${String(channels)} → ${String(out)} channels`}), and the stage needs a reversible unit after it`,
      });
    }
    if (transition && residual === 'basic' && isCount(channels) && isCount(out) && out < channels) {
      problems.push({ path: `${path}.channels`, message: `expected at least ${channels}: a basic transition's shortcut pads channels with zeros and cannot reduce them (use "bottleneck" for a projection), got ${out}` });
    }
    if (residual === 'bottleneck' && stage['width'] === undefined && isCount(out) && out % 8 !== 0) {
      problems.push({ path: `${path}.channels`, message: `expected a multiple of 8 for a bottleneck stage without "width" (default width is channels/8), got ${out}; or set "width"` });
    }
    channels = out;
  });
  return problems;
}

function checkNormalization(normalization: unknown, inputChannels: unknown, problems: ConfigProblem[]): void {
  if (!isPlainObject(normalization) || !isCount(inputChannels)) return;
  for (const key of ['mean', 'std'] as const) {
    const values = normalization[key];
    if (Array.isArray(values) && values.length > 0 && values.length !== inputChannels) {
      problems.push({
        path: `normalization.${key}`,
        message: `expected ${inputChannels} value${inputChannels === 1 ? '' : 's'} (one per input channel, input.channels = ${inputChannels}), got ${values.length}`,
      });
    }
  }
}
