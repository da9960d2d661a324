// Invert: a sample (or a .npy file) through the trunk, its output edited, and the edit mapped back to an input.
import type { OutputEdit } from '../../protocol/engineApi';
import type { PlainTensor } from '../../protocol/tensor';
import type { SaveTensorMessage } from '../../protocol/webviewMessages';
import { formatChannelList, parseChannelList } from '../channelList';
import { clear, el } from '../dom';
import { formatError } from '../../shared/format';
import { channelGrid, channelRanges, heatCanvas, heatLegend, imageCanvas, type Range, unionRange, valueRange } from '../tensorCanvas';
import { type InvertForm, parseInvertSettings, SETTINGS_KEY } from '../invertState';
import { tiles } from './common';
import type { View, ViewContext } from './view';

type Which = SaveTensorMessage['which'];

export type EditsResult = { ok: true; edits: OutputEdit[] } | { ok: false; error: string };

function integer(text: string, what: string, min = 0): number | string {
  const value = Number(text);
  return Number.isInteger(value) && value >= min && text.trim() !== '' ? value : `${what} must be a whole number ≥ ${min}`;
}

function real(text: string, what: string, min = -Infinity, max = Infinity): number | string {
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max && text.trim() !== '' ? value : `${what} must be a number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}`;
}

/** the edits the form asks for, in the order the engine applies them: zero, scale, noise, interpolate */
export function editsFromForm(form: InvertForm, channelCount?: number): EditsResult {
  const edits: OutputEdit[] = [];
  if (form.zero) {
    const parsed = parseChannelList(form.zeroChannels, channelCount);
    if (!parsed.ok) return { ok: false, error: `Zero channels: ${parsed.error}` };
    edits.push({ kind: 'zeroChannels', channels: parsed.channels });
  }
  if (form.scale) {
    const parsed = parseChannelList(form.scaleChannels, channelCount);
    if (!parsed.ok) return { ok: false, error: `Scale channels: ${parsed.error}` };
    const factor = real(form.scaleFactor, 'Scale factor');
    if (typeof factor === 'string') return { ok: false, error: factor };
    edits.push({ kind: 'scaleChannels', channels: parsed.channels, factor });
  }
  if (form.noise) {
    const std = real(form.noiseStd, 'Noise std', 0);
    if (typeof std === 'string') return { ok: false, error: std };
    const seed = integer(form.noiseSeed, 'Noise seed');
    if (typeof seed === 'string') return { ok: false, error: seed };
    edits.push({ kind: 'noise', std, seed });
  }
  if (form.interpolate) {
    const other = integer(form.otherSample, 'Other sample');
    if (typeof other === 'string') return { ok: false, error: other };
    const t = real(form.t, 'Interpolation t', 0, 1);
    if (typeof t === 'string') return { ok: false, error: t };
    edits.push({ kind: 'interpolate', otherSample: other, t });
  }
  return { ok: true, edits };
}

/** the per-channel ranges covering the same channel of both tensors (an output and its edit have one shape) */
function sharedChannelRanges(a: PlainTensor, b: PlainTensor): Range[] | undefined {
  const ra = channelRanges(a);
  const rb = channelRanges(b);
  return ra.length === rb.length ? ra.map((r, c) => unionRange(r, rb[c] ?? r)) : undefined;
}

/** a value of a tensor, short: 3 significant digits */
function formatValue(value: number): string {
  return value === 0 ? '0' : Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}

const IMAGE_WIDTH = 168;
const GRID_WIDTH = 252;

export function invertView(context: ViewContext): View {
  // kept with the panel's state: the form and the scale choice come back after hiding or a reload
  const settings = parseInvertSettings(context.host.loadViewState(SETTINGS_KEY));
  const form: InvertForm = settings.form;
  function keep(): void {
    context.host.saveViewState(SETTINGS_KEY, settings);
  }
  let errorLine: HTMLElement | undefined;
  let resultArea: HTMLElement | undefined;
  let buttons: HTMLElement[] = [];
  let ring: HTMLElement | undefined;

  function outputChannels(): number | undefined {
    const result = context.store.exploreResult;
    if (result) return result.output.shape[result.output.shape.length - 1];
    const blocks = context.store.report?.blocks;
    const last = blocks?.[blocks.length - 1];
    return last ? last.outputShape[last.outputShape.length - 1] : undefined;
  }

  function textField(key: keyof InvertForm, label: string, type: 'text' | 'number', extra: Record<string, string> = {}): HTMLElement {
    const field = el('vscode-textfield', { id: `invert-${key}`, type, label, 'aria-label': label, value: String(form[key]), ...extra });
    (field as unknown as { value: string }).value = String(form[key]);
    field.addEventListener('input', () => {
      (form as unknown as Record<string, string>)[key] = (field as unknown as { value: string }).value;
      keep();
    });
    return el('label', { class: 'field' }, el('span', {}, label), field);
  }

  function checkbox(key: 'zero' | 'scale' | 'noise' | 'interpolate', label: string): HTMLElement {
    const box = el('vscode-checkbox', { id: `invert-${key}`, checked: form[key], label });
    box.addEventListener('change', () => {
      form[key] = (box as unknown as { checked: boolean }).checked;
      keep();
    });
    return box;
  }

  function send(source: { sample: number } | { pickFile: true }): void {
    const edits = editsFromForm(form, outputChannels());
    if (!edits.ok) { showError(edits.error); return; }
    showError(undefined);
    context.host.post({ type: 'explore', source, edits: edits.edits });
  }

  function showError(message: string | undefined): void {
    if (!errorLine) return;
    errorLine.textContent = message ?? '';
    errorLine.hidden = message === undefined;
  }

  function button(id: string, text: string, onClick: () => void, secondary = false): HTMLElement {
    const b = el('vscode-button', { id, secondary });
    b.textContent = text;
    b.addEventListener('click', onClick);
    buttons.push(b);
    return b;
  }

  function figure(caption: string, content: Node, which?: Which, scaleNote?: string): HTMLElement {
    const f = el('figure', { 'data-tensor': which ?? caption }, content, el('figcaption', {}, caption));
    if (scaleNote !== undefined) f.appendChild(el('span', { class: 'scale-note', 'data-scale': which ?? caption }, scaleNote));
    // after a reload the host no longer holds the tensors: saving needs a fresh inversion
    if (which && context.store.exploreLive) {
      const save = el('vscode-button', { id: `save-${which}`, secondary: true, 'aria-label': `Save ${caption} as .npy` }, 'Save .npy');
      save.addEventListener('click', () => context.host.post({ type: 'saveTensor', which }));
      f.appendChild(save);
    }
    return f;
  }

  function addChannel(channel: number): void {
    const key = form.scale && !form.zero ? 'scaleChannels' : 'zeroChannels';
    const parsed = parseChannelList(form[key]);
    const channels = parsed.ok ? parsed.channels : [];
    const next = channels.includes(channel) ? channels.filter((c) => c !== channel) : [...channels, channel];
    form[key] = formatChannelList(next);
    const field = document.getElementById(`invert-${key}`) as unknown as { value: string } | null;
    if (field) field.value = form[key];
    if (key === 'zeroChannels' && !form.zero) {
      form.zero = true;
      const box = document.getElementById('invert-zero') as unknown as { checked: boolean } | null;
      if (box) box.checked = true;
    }
    keep();
  }

  function drawResult(): void {
    if (!resultArea) return;
    clear(resultArea);
    const result = context.store.exploreResult;
    if (!result) {
      resultArea.appendChild(el('p', { class: 'placeholder' }, 'Pick a sample and press “Invert sample”: the input, its trunk output, the edited output, the inverted input and their difference appear here.'));
      return;
    }
    resultArea.appendChild(
      tiles([
        ['max |input − inverted|', formatError(result.maxAbs), 'maxAbs'],
        ['‖input − inverted‖ / ‖input‖', formatError(result.relL2), 'relL2'],
        ['Label', result.label !== undefined ? String(result.label) : '—', 'label'],
        ['Output shape', result.output.shape.join('×'), 'outputShape'],
      ]),
    );
    // shared: an edit shows as a change of brightness (a channel scaled x3 looks brighter than the original)
    const shared = settings.sharedScale;
    const imageScale: Range | undefined = shared ? unionRange(valueRange(result.input), valueRange(result.inverted)) : undefined;
    const gridScales = shared ? sharedChannelRanges(result.output, result.edited) : undefined;
    const rangeText = (r: Range): string => `${formatValue(r[0])} to ${formatValue(r[1])}`;
    const imageNote = (own: Range): string => `values ${rangeText(own)}; ${imageScale ? `colour scale ${rangeText(imageScale)}, shared with the other image` : 'scaled to its own range'}`;
    const gridNote = (own: Range): string => `values ${rangeText(own)}; ${gridScales ? 'each channel scaled as the same channel of the other output (shared)' : 'each channel scaled to its own range'}`;
    if (typeof result.note === 'string') resultArea.appendChild(el('p', { class: 'note', id: 'invert-note' }, result.note));
    if (!context.store.exploreLive) {
      resultArea.appendChild(el('p', { class: 'note', id: 'invert-restored' }, 'Restored from before the panel was reloaded. Invert again to save these tensors as .npy.'));
    }
    const output = channelGrid(result.output, GRID_WIDTH, `Trunk output, ${result.output.shape.join('×')}, one tile per channel; click a tile to add its channel to the edit`, gridScales);
    output.canvas.addEventListener('click', (event) => {
      const channel = output.channelAt(event.offsetX, event.offsetY);
      if (channel !== undefined) addChannel(channel);
    });
    const edited = channelGrid(result.edited, GRID_WIDTH, `Edited output, ${result.edited.shape.join('×')}, one tile per channel`, gridScales);
    const heat = heatCanvas(result.difference, IMAGE_WIDTH, `Heat map of |input − inverted|, largest ${formatError(result.maxAbs)}`);
    resultArea.appendChild(
      el(
        'div',
        { class: 'figures' },
        figure('input', imageCanvas(result.input, IMAGE_WIDTH, 'Input image', imageScale), 'input', imageNote(valueRange(result.input))),
        figure('output (channels)', output.canvas, 'output', gridNote(valueRange(result.output))),
        figure('edited output', edited.canvas, 'edited', gridNote(valueRange(result.edited))),
        figure('inverted input', imageCanvas(result.inverted, IMAGE_WIDTH, 'Inverted input image', imageScale), 'inverted', imageNote(valueRange(result.inverted))),
        figure(
          '|input − inverted|',
          el('div', {}, heat.canvas, el('div', { class: 'legend-row' }, el('span', {}, '0'), heatLegend(IMAGE_WIDTH - 60), el('span', {}, formatError(heat.max)))),
          'difference',
        ),
      ),
    );
  }

  function drawBusy(): void {
    const busy = context.store.busy.busy;
    for (const b of buttons) (b as unknown as { disabled: boolean }).disabled = busy;
    if (ring) ring.hidden = !busy;
  }

  return {
    name: 'invert',
    title: 'Invert',
    dependsOn: ['explore', 'busy', 'report'],
    render(element) {
      buttons = [];
      const trunk = context.store.report?.model.trunkInvertible;
      if (trunk === false) {
        element.appendChild(el('p', { class: 'note' }, 'This model’s trunk is not invertible all the way to the image (it has non-reversible transitions); the engine inverts as far back as it can.'));
      }
      const source = el(
        'div',
        { class: 'toolbar' },
        textField('sample', 'Sample index', 'number', { min: '0' }),
        button('invert-run', 'Invert sample', () => {
          const sample = integer(form.sample, 'Sample index');
          if (typeof sample === 'string') { showError(sample); return; }
          send({ sample });
        }),
        button('invert-pick', 'Invert a .npy file…', () => send({ pickFile: true }), true),
      );
      ring = el('vscode-progress-ring', { id: 'invert-busy', 'aria-label': 'Working' });
      ring.hidden = true;
      source.appendChild(ring);
      const edits = el(
        'fieldset',
        { class: 'edits' },
        el('legend', {}, 'Edit the output before inverting (applied in this order)'),
        el('div', { class: 'edit-row' }, checkbox('zero', 'Zero channels'), textField('zeroChannels', 'Channels to zero', 'text', { placeholder: 'e.g. 0, 3, 8-11' })),
        el('div', { class: 'edit-row' }, checkbox('scale', 'Scale channels'), textField('scaleChannels', 'Channels to scale', 'text', { placeholder: 'e.g. 5-7' }), textField('scaleFactor', 'Factor', 'number', { step: '0.1' })),
        el('div', { class: 'edit-row' }, checkbox('noise', 'Add Gaussian noise'), textField('noiseStd', 'Std', 'number', { step: '0.01', min: '0' }), textField('noiseSeed', 'Seed', 'number', { min: '0' })),
        el('div', { class: 'edit-row' }, checkbox('interpolate', 'Interpolate with sample'), textField('otherSample', 'Other sample', 'number', { min: '0' }), textField('t', 't (0 = this, 1 = other)', 'number', { step: '0.1', min: '0', max: '1' })),
      );
      const sharedBox = el('vscode-checkbox', { id: 'invert-shared-scale', checked: settings.sharedScale, label: 'Shared scale' });
      sharedBox.addEventListener('change', () => {
        settings.sharedScale = (sharedBox as unknown as { checked: boolean }).checked;
        keep();
        drawResult();
      });
      const display = el('div', { class: 'toolbar' }, sharedBox, el('span', { class: 'hint' }, 'one colour scale for the input and its inversion, and per channel for the output and its edit'));
      errorLine = el('p', { class: 'error', id: 'invert-error', role: 'alert' });
      errorLine.hidden = true;
      resultArea = el('section', { id: 'invert-result', 'aria-live': 'polite' });
      element.append(source, edits, display, errorLine, resultArea);
      drawResult();
      drawBusy();
    },
    update(change) {
      if (change === 'explore') {
        drawResult();
        return true;
      }
      if (change === 'busy') {
        drawBusy();
        return true;
      }
      return false;
    },
    dispose() {
      errorLine = undefined;
      resultArea = undefined;
      ring = undefined;
      buttons = [];
    },
  };
}
