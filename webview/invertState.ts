// What the Invert view keeps with the panel's state (webview setState), so that its form, its edit settings and
// its last result come back when the panel is shown again after hiding behind another tab, or after a reload.
import type { ExploreResult } from '../protocol/engineApi';
import { decodeNonFinite, encodeNonFinite } from '../protocol/nonFinite';
import { parseHostMessage } from './hostMessages';

export interface InvertForm {
  sample: string;
  zero: boolean;
  zeroChannels: string;
  scale: boolean;
  scaleChannels: string;
  scaleFactor: string;
  noise: boolean;
  noiseStd: string;
  noiseSeed: string;
  interpolate: boolean;
  otherSample: string;
  t: string;
}

export interface InvertSettings {
  form: InvertForm;
  /** the input and the inverted input share one colour scale, the output and the edited output one per channel */
  sharedScale: boolean;
}

export const SETTINGS_KEY = 'invert';
export const RESULT_KEY = 'invertResult';
/** a result with more numbers than this is not kept (webview state is held in memory and written to disk) */
export const MAX_KEPT_NUMBERS = 200_000;

export function defaultInvertSettings(): InvertSettings {
  return {
    form: {
      sample: '0',
      zero: false,
      zeroChannels: '',
      scale: false,
      scaleChannels: '',
      scaleFactor: '2',
      noise: false,
      noiseStd: '0.1',
      noiseSeed: '1',
      interpolate: false,
      otherSample: '1',
      t: '0.5',
    },
    sharedScale: true,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** the kept settings, field by field: a field of the wrong type (an older page, damage) takes its default */
export function parseInvertSettings(raw: unknown): InvertSettings {
  const settings = defaultInvertSettings();
  if (!isRecord(raw)) return settings;
  const form = raw['form'];
  if (isRecord(form)) {
    const target = settings.form as unknown as Record<string, string | boolean>;
    for (const [key, fallback] of Object.entries(target)) {
      const value = form[key];
      if (typeof value === typeof fallback) target[key] = value as string | boolean;
    }
  }
  if (typeof raw['sharedScale'] === 'boolean') settings.sharedScale = raw['sharedScale'];
  return settings;
}

function numbersIn(result: ExploreResult): number {
  return result.input.data.length + result.output.data.length + result.edited.data.length + result.inverted.data.length + result.difference.data.length;
}

/** the result as kept (non-finite numbers tagged), or undefined when it is too large to keep */
export function keptResult(result: ExploreResult): unknown {
  return numbersIn(result) > MAX_KEPT_NUMBERS ? undefined : encodeNonFinite(result);
}

/** a kept result, checked as a host message's would be; undefined when there is none or it is malformed */
export function parseKeptResult(raw: unknown): ExploreResult | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parsed = parseHostMessage({ type: 'exploreResult', id: 0, result: decodeNonFinite(raw) });
  return parsed.ok && parsed.message.type === 'exploreResult' ? parsed.message.result : undefined;
}
