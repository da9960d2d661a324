// The built-in models: the RevNet paper's CIFAR networks (Gomez et al., 2017, as in the authors' code
// renmengye/revnet-public) and two small, fully invertible digit models.
import type { RevNetConfig, StageConfig } from './config';

export const PRESET_NAMES = ['revnet-38', 'revnet-110', 'revnet-164', 'mnist-tiny', 'mnist-small'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface PresetOptions {
  /** classes of the classifier (CIFAR-10 or CIFAR-100 for the paper's models); default 10 */
  classes?: number;
  /** the model's name; default the preset's name */
  name?: string;
}

interface Preset {
  summary: string;
  build(classes: number): Omit<RevNetConfig, 'name'>;
}

const cifarInput = { height: 32, width: 32, channels: 3 };

/** The paper's CIFAR layout: conv stem to 32 channels, three stages with strides 1-2-2 (strided transitions). */
function cifarRevNet(units: number, channels: [number, number, number], residual: StageConfig['residual'], classes: number) {
  const downsample: StageConfig['downsample'][] = ['none', 'strided', 'strided'];
  return {
    input: cifarInput,
    classes,
    stem: { kind: 'conv', channels: 32 } as const,
    stages: channels.map((stageChannels, index) => ({
      units,
      channels: stageChannels,
      residual,
      downsample: downsample[index],
    })),
    head: { pool: 'global-average' } as const,
  };
}

const digitsInput = { height: 28, width: 28, channels: 1 };

const presets: Record<PresetName, Preset> = {
  'revnet-38': {
    summary: 'the paper\'s RevNet-38 for 32x32x3 CIFAR: 3-3-3 basic units, 32-64-112 channels, strided transitions (~0.46M params)',
    build: (classes) => cifarRevNet(3, [32, 64, 112], 'basic', classes),
  },
  'revnet-110': {
    summary: 'the paper\'s RevNet-110 for 32x32x3 CIFAR: 9-9-9 basic units, 32-64-128 channels, strided transitions (~1.73M params)',
    build: (classes) => cifarRevNet(9, [32, 64, 128], 'basic', classes),
  },
  'revnet-164': {
    summary: 'the paper\'s RevNet-164 for 32x32x3 CIFAR: 9-9-9 bottleneck units, 128-256-512 channels (inner 16-32-64), strided transitions (~1.75M params)',
    build: (classes) => cifarRevNet(9, [128, 256, 512], 'bottleneck', classes),
  },
  'mnist-tiny': {
    summary: '28x28x1 digits, trains in seconds: squeeze stem to 14x14x4, one stage of 2 reversible units, flatten head; fully invertible trunk',
    build: (classes) => ({
      input: digitsInput,
      classes,
      stem: { kind: 'squeeze' },
      stages: [{ units: 2, channels: 4, residual: 'basic', width: 16, downsample: 'none' }],
      head: { pool: 'flatten' },
    }),
  },
  'mnist-small': {
    summary: '28x28x1 digits, a few minutes: squeeze stem to 14x14x4, 2 units (width 32), squeeze to 7x7x16, 2 units (width 64), flatten head with 128 hidden; fully invertible trunk',
    build: (classes) => ({
      input: digitsInput,
      classes,
      stem: { kind: 'squeeze' },
      stages: [
        { units: 2, channels: 4, residual: 'basic', width: 32, downsample: 'none' },
        { units: 2, channels: 16, residual: 'basic', width: 64, downsample: 'squeeze' },
      ],
      head: { pool: 'flatten', hidden: 128 },
    }),
  },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** One line per preset, for `revnet new --list` and the editor's pickers. */
export function presetSummaries(): { name: PresetName; summary: string }[] {
  return PRESET_NAMES.map((name) => ({ name, summary: presets[name].summary }));
}

/** A preset's config (as written to a file: optional fields left to their defaults). */
export function presetConfig(name: string, options: PresetOptions = {}): RevNetConfig {
  if (!isPresetName(name)) {
    throw new Error(`unknown preset "${name}"; the presets are ${PRESET_NAMES.join(', ')}`);
  }
  const classes = options.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`classes must be an integer ≥ 2, got ${classes}`);
  return { name: options.name ?? name, ...presets[name].build(classes) };
}
