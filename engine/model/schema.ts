// The one source of the model-file format: schema/revnet.schema.json is generated from `revnetSchema`
// (npm run schema) and validateConfig walks the same object. The typed helpers below make the compiler
// insist that every field of the types in config.ts has an entry here.
import type { ConventionsConfig, HeadConfig, ImportMetadata, RevNetConfig, StageConfig, StemConfig, TrainingMetadata } from './config';
import { DEFAULT_BATCH_NORM } from './config';

/** The draft-07 subset that validateConfig understands. */
/** the longest model name: NAME.revnet.json must fit the 255-byte file names of common file systems */
export const MAX_MODEL_NAME_LENGTH = 200;

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
  maxLength?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
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

function integer(markdown: string, minimum: number, maximum: number, extra: Partial<JsonSchema> = {}): JsonSchema {
  return { type: 'integer', ...documented(markdown), minimum, maximum, ...extra };
}

/**
 * Upper bounds of every count, far above any real RevNet (the paper's deepest has 18 units per stage at 64
 * channels) yet low enough that the analysis and the memory limit see finite numbers and a file like
 * `units: 1e308` is refused by the validator at once instead of being built.
 */
export const LIMITS = {
  imageSide: 8192,
  inputChannels: 1024,
  classes: 100_000,
  channels: 16_384,
  units: 1000,
  /** all stages together: the analysis and the network's build are linear in it */
  totalUnits: 2000,
  stages: 64,
  hidden: 65_536,
  epochs: 1_000_000,
  steps: 1e12,
  batchSize: 1_000_000,
} as const;

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
      LIMITS.units,
    ),
    channels: integer(
      'Channels of the stage\'s output, both halves together (even: the reversible block splits them in halves). After a `squeeze`, exactly 4 × the channels entering it.',
      2,
      LIMITS.channels,
    ),
    residual: oneOfWords(
      'The residual functions F and G: `basic` is BatchNorm-ReLU-conv 3x3 twice; `bottleneck` is BatchNorm-ReLU-conv with 1x1, 3x3, 1x1 kernels.',
      ['basic', 'bottleneck'] as const,
    ),
    width: integer(
      'Channels inside F and G (the output of their first conv). Default: `channels/2` for `basic`, `channels/8` for `bottleneck` (the paper\'s 4x expansion of each half).',
      1,
      LIMITS.channels,
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
        channels: integer('Output channels of the stem convolution (even).', 2, LIMITS.channels),
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
    hidden: integer('Units of an optional hidden dense layer with ReLU before the classifier.', 1, LIMITS.hidden),
  },
  ['pool'],
);

const trainingSchema = object<TrainingMetadata>(
  'Written by `revnet train` with a trained model: how it was trained and how it did.',
  {
    data: string('The training data, e.g. `mnist`.'),
    epochs: integer('Epochs trained.', 0, LIMITS.epochs),
    steps: integer('Optimiser steps taken.', 0, LIMITS.steps),
    batchSize: integer('Examples per step.', 1, LIMITS.batchSize),
    optimizer: string('The optimiser, e.g. `adam`.'),
    mode: oneOfWords('The backward pass used.', ['reversible', 'standard'] as const),
    seed: integer('Seed of the initial weights and the shuffling.', 0, Number.MAX_SAFE_INTEGER),
    backend: string('The TensorFlow.js backend that trained it.'),
    augment: string('How the training images were moved at random, e.g. `shift=2` (up to 2 pixels each way) or `shift=4,flip`; absent: not at all.'),
    testAccuracy: number('Fraction of the test images classified correctly.', { minimum: 0 }),
    finalLoss: number('Mean training loss of the last epoch.'),
    finishedAt: string('When training finished (ISO 8601).'),
  },
  ['data', 'epochs', 'steps', 'batchSize', 'optimizer', 'mode', 'seed', 'backend'],
);

const conventionsSchema = object<ConventionsConfig>(
  'Conventions that change what the network computes without changing any tensor\'s shape; set them to match a model trained elsewhere (docs/pytorch-import.md).',
  {
    squeezeOrder: oneOfWords(
      'Channel order of every 2x2 squeeze (stem and stages). `space-to-depth` (default, TensorFlow\'s `space_to_depth`): input pixel (2h+dy, 2w+dx, c) goes to channel (dy·2 + dx)·C + c. `pixel-unshuffle` (PyTorch\'s `F.pixel_unshuffle`): to channel c·4 + dy·2 + dx.',
      ['space-to-depth', 'pixel-unshuffle'] as const,
      { default: 'space-to-depth' },
    ),
    firstUnitBatchNorm: {
      type: 'boolean',
      ...documented('`true`: F of the network\'s very first unit starts with BatchNorm-ReLU like every other F (memcnn-style blocks; adds `stage1.unit0.f.bn1.*`). Default `false`: that F starts with its convolution (the RevNet paper).'),
      default: false,
    },
  },
  [],
);

const importSchema = object<ImportMetadata>(
  'Written by `revnet import`: where the weights came from and whether our logits were checked against the source model\'s.',
  {
    source: string('The weights file imported (its base name).'),
    verified: {
      type: 'boolean',
      ...documented('`true` only when the import compared our logits with the source model\'s on a batch and they agreed within float32 tolerance.'),
    },
    maxAbsDifference: number('Largest |ours - source| over the check batch\'s logits.', { minimum: 0 }),
    tolerance: number('The tolerance the check used.', { minimum: 0 }),
    checkedExamples: integer('Examples in the check batch.', 1, LIMITS.batchSize),
    argmaxAgreement: number('Fraction of the check batch whose predicted class agreed.', { minimum: 0, maximum: 1 }),
    backend: string('The backend the check ran on.'),
    importedAt: string('When the import ran (ISO 8601).'),
  },
  ['source', 'verified', 'importedAt'],
);

export const revnetSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'RevNet model',
  ...object<RevNetConfig>(
    'A reversible residual network (RevNet) for image classification, as read by RevNet Inspector.',
    {
      $schema: string('The JSON Schema of this file (editor support only).'),
      // the model files are named after it: a longer name would not fit a file name (255 bytes) once saved
      name: string('The model\'s name, shown in the editor and the panel; the trained model\'s files are named after it.', { minLength: 1, maxLength: MAX_MODEL_NAME_LENGTH }),
      input: object<RevNetConfig['input']>(
        'Input images without the batch dimension (NHWC).',
        {
          height: integer('Image height in pixels.', 1, LIMITS.imageSide),
          width: integer('Image width in pixels.', 1, LIMITS.imageSide),
          channels: integer('Image channels (1 for digits, 3 for colour).', 1, LIMITS.inputChannels),
        },
        ['height', 'width', 'channels'],
      ),
      classes: integer('Number of classes of the classifier.', 2, LIMITS.classes),
      stem: stemSchema,
      stages: {
        type: 'array',
        ...documented('The stages, in order; stage numbers in tensor names count from 1.'),
        minItems: 1,
        maxItems: LIMITS.stages,
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
          epsilon: number('Added to the variance before the square root (PyTorch\'s `eps`, also 1e-5 by default).', {
            exclusiveMinimum: 0,
            default: DEFAULT_BATCH_NORM.epsilon,
          }),
          runningVariance: oneOfWords(
            'Which batch variance training folds into the running variance: `biased` (divide by n, TensorFlow\'s way, the default) or `unbiased` (divide by n - 1, PyTorch\'s `BatchNorm2d`). Normalisation in training always uses the biased variance.',
            ['biased', 'unbiased'] as const,
            { default: 'biased' },
          ),
        },
        ['momentum', 'epsilon'],
        { default: { ...DEFAULT_BATCH_NORM } },
      ),
      conventions: conventionsSchema,
      imported: importSchema,
      normalization: object<NonNullable<RevNetConfig['normalization']>>(
        'Data normalisation applied before the stem, written with a trained model: `(x - mean) / std` per input channel.',
        {
          mean: { type: 'array', ...documented('Mean of each input channel.'), minItems: 1, maxItems: LIMITS.inputChannels, items: number('A channel mean.') },
          std: {
            type: 'array',
            ...documented('Standard deviation of each input channel (positive).'),
            minItems: 1,
            maxItems: LIMITS.inputChannels,
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
