// The one source of the model-file format: schema/revnet.schema.json is generated from `revnetSchema`
// (npm run schema) and validateConfig walks the same object. The typed helpers below make the compiler
// insist that every field of the types in config.ts has an entry here.
import type { HeadConfig, RevNetConfig, StageConfig, StemConfig, TrainingMetadata } from './config';
import { DEFAULT_BATCH_NORM } from './config';

/** The draft-07 subset that validateConfig understands. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  markdownDescription?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  enum?: readonly (string | number)[];
  const?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  items?: JsonSchema;
  minItems?: number;
  /** only as a union of objects told apart by a `kind` property with a `const` */
  oneOf?: JsonSchema[];
}

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T] & string;

/** Descriptions are written in Markdown; `description` gets the same text without backticks. */
function documented(markdown: string): Pick<JsonSchema, 'description' | 'markdownDescription'> {
  return { description: markdown.replace(/`/g, ''), markdownDescription: markdown };
}

function object<T>(
  markdown: string,
  properties: { [K in keyof Required<T>]-?: JsonSchema },
  required: RequiredKeys<T>[],
  extra: Partial<JsonSchema> = {},
): JsonSchema {
  return {
    type: 'object',
    ...documented(markdown),
    properties: properties,
    required: [...required],
    additionalProperties: false,
    ...extra,
  };
}

function integer(markdown: string, minimum: number, extra: Partial<JsonSchema> = {}): JsonSchema {
  return { type: 'integer', ...documented(markdown), minimum, ...extra };
}

function number(markdown: string, extra: Partial<JsonSchema> = {}): JsonSchema {
  return { type: 'number', ...documented(markdown), ...extra };
}

function string(markdown: string, extra: Partial<JsonSchema> = {}): JsonSchema {
  return { type: 'string', ...documented(markdown), ...extra };
}

function oneOfWords(markdown: string, words: readonly string[], extra: Partial<JsonSchema> = {}): JsonSchema {
  return { type: 'string', ...documented(markdown), enum: words, ...extra };
}

const stageSchema = object<StageConfig>(
  'One stage: a run of residual units at one resolution and channel count.',
  {
    units: integer(
      'Residual units in the stage, counting the non-reversible transition unit when the stage starts with one (then at least 2, so that the stage keeps a reversible block).',
      1,
    ),
    channels: integer(
      'Channels of the stage\'s output, both halves together (even: the reversible block splits them in halves). After a `squeeze`, exactly 4 × the channels entering it.',
      2,
    ),
    residual: oneOfWords(
      'The residual functions F and G: `basic` is BatchNorm-ReLU-conv 3x3 twice; `bottleneck` is BatchNorm-ReLU-conv with 1x1, 3x3, 1x1 kernels.',
      ['basic', 'bottleneck'] as const,
    ),
    width: integer(
      'Channels inside F and G (the output of their first conv). Default: `channels/2` for `basic`, `channels/8` for `bottleneck` (the paper\'s 4x expansion of each half).',
      1,
    ),
    downsample: oneOfWords(
      'How the stage is entered. `none`: same resolution (a channel change makes the first unit a non-reversible transition). `strided`: the paper\'s transition, the first unit has stride 2 and the channel change; not invertible, its input is stored in reversible training. `squeeze`: an invertible space-to-depth 2x2 before the stage (i-RevNet): height and width halve, channels x4.',
      ['none', 'strided', 'squeeze'] as const,
    ),
  },
  ['units', 'channels', 'residual', 'downsample'],
);

type ConvStem = Extract<StemConfig, { kind: 'conv' }>;
type SqueezeStem = Extract<StemConfig, { kind: 'squeeze' }>;

const stemSchema: JsonSchema = {
  ...documented('The first layer. `conv`: the paper\'s 3x3 convolution (not invertible). `squeeze`: an invertible space-to-depth 2x2 (channels x4), so that a one-channel image can be split in halves.'),
  oneOf: [
    object<ConvStem>(
      'The paper\'s stem: a 3x3 convolution without bias, not invertible.',
      {
        kind: { type: 'string', const: 'conv', ...documented('`conv`: a 3x3 convolution') },
        channels: integer('Output channels of the stem convolution (even).', 2),
      },
      ['kind', 'channels'],
    ),
    object<SqueezeStem>(
      'An invertible space-to-depth 2x2 squeeze: height and width halve (they must be even), channels x4.',
      { kind: { type: 'string', const: 'squeeze', ...documented('`squeeze`: space-to-depth 2x2') } },
      ['kind'],
    ),
  ],
};

const headSchema = object<HeadConfig>(
  'The classifier: BatchNorm-ReLU on the final features, pooling, an optional hidden layer, a dense layer to the classes. Never invertible.',
  {
    pool: oneOfWords(
      '`global-average`: mean over height and width (the paper). `flatten`: keep every position (HWC order).',
      ['global-average', 'flatten'] as const,
    ),
    hidden: integer('Units of an optional hidden dense layer with ReLU before the classifier.', 1),
  },
  ['pool'],
);

const trainingSchema = object<TrainingMetadata>(
  'Written by `revnet train` with a trained model: how it was trained and how it did.',
  {
    data: string('The training data, e.g. `mnist`.'),
    epochs: integer('Epochs trained.', 0),
    steps: integer('Optimiser steps taken.', 0),
    batchSize: integer('Examples per step.', 1),
    optimizer: string('The optimiser, e.g. `adam`.'),
    mode: oneOfWords('The backward pass used.', ['reversible', 'standard'] as const),
    seed: integer('Seed of the initial weights and the shuffling.', 0),
    backend: string('The TensorFlow.js backend that trained it.'),
    testAccuracy: number('Fraction of the test images classified correctly.', { minimum: 0 }),
    finalLoss: number('Mean training loss of the last epoch.'),
    finishedAt: string('When training finished (ISO 8601).'),
  },
  ['data', 'epochs', 'steps', 'batchSize', 'optimizer', 'mode', 'seed', 'backend'],
);

export const revnetSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'RevNet model',
  ...object<RevNetConfig>(
    'A reversible residual network (RevNet) for image classification, as read by RevNet Inspector.',
    {
      $schema: string('The JSON Schema of this file (editor support only).'),
      name: string('The model\'s name, shown in the editor and the panel.', { minLength: 1 }),
      input: object<RevNetConfig['input']>(
        'Input images without the batch dimension (NHWC).',
        {
          height: integer('Image height in pixels.', 1),
          width: integer('Image width in pixels.', 1),
          channels: integer('Image channels (1 for digits, 3 for colour).', 1),
        },
        ['height', 'width', 'channels'],
      ),
      classes: integer('Number of classes of the classifier.', 2),
      stem: stemSchema,
      stages: {
        type: 'array',
        ...documented('The stages, in order; stage numbers in tensor names count from 1.'),
        minItems: 1,
        items: stageSchema,
      },
      head: headSchema,
      batchNorm: object<NonNullable<RevNetConfig['batchNorm']>>(
        'BatchNorm settings of every layer: `running = momentum * running + (1 - momentum) * batch`.',
        {
          momentum: number('Weight of the old running statistics (TensorFlow convention).', {
            minimum: 0,
            exclusiveMaximum: 1,
            default: DEFAULT_BATCH_NORM.momentum,
          }),
          epsilon: number('Added to the variance before the square root.', {
            exclusiveMinimum: 0,
            default: DEFAULT_BATCH_NORM.epsilon,
          }),
        },
        ['momentum', 'epsilon'],
        { default: { ...DEFAULT_BATCH_NORM } },
      ),
      normalization: object<NonNullable<RevNetConfig['normalization']>>(
        'Data normalisation applied before the stem, written with a trained model: `(x - mean) / std` per input channel.',
        {
          mean: { type: 'array', ...documented('Mean of each input channel.'), minItems: 1, items: number('A channel mean.') },
          std: {
            type: 'array',
            ...documented('Standard deviation of each input channel (positive).'),
            minItems: 1,
            items: number('A channel standard deviation.', { exclusiveMinimum: 0 }),
          },
        },
        ['mean', 'std'],
      ),
      training: trainingSchema,
    },
    ['name', 'input', 'classes', 'stem', 'stages', 'head'],
  ),
};

/** The text of schema/revnet.schema.json (written by `npm run schema`, checked by a unit test). */
export function renderSchemaJson(): string {
  return `${JSON.stringify(revnetSchema, null, 2)}\n`;
}
