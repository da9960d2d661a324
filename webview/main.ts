// The inspection panel: a tab per view, one selected block shared by all, state kept across hide and reload.
import { decodeNonFinite } from '../protocol/nonFinite';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { VIEW_NAMES, type HostToWebview, type ViewName } from '../protocol/webviewMessages';
import type { InspectReport } from '../protocol/inspectReport';
import { applyChartTheme } from './charts';
import { clear, el } from './dom';
import { Host } from './host';
import { parseHostMessage } from './hostMessages';
import { type Change, Store } from './store';
import { keptResult, parseKeptResult, RESULT_KEY } from './invertState';
import { readTheme, type ThemeColours, watchTheme } from './theme';
import { architectureView } from './views/architecture';
import { gradientsView } from './views/gradients';
import { invertView } from './views/invert';
import { memoryView } from './views/memory';
import { overviewView } from './views/overview';
import { reconstructionView } from './views/reconstruction';
import { stabilityView } from './views/stability';
import { trainingView } from './views/training';
import { setNoReportBusy } from './views/common';
import type { View, ViewContext } from './views/view';

/** what the tests (and a curious developer) can read: milliseconds of every render, per view */
interface Diagnostics {
  __revnetRenderTimes: Record<string, number[]>;
  __revnetIgnoredMessages: string[];
  __revnetTheme: ThemeColours;
}
const diagnostics = window as unknown as Diagnostics;
diagnostics.__revnetRenderTimes = {};
diagnostics.__revnetIgnoredMessages = [];

const host = new Host();
const store = new Store();
const saved = host.loadState();
// the Invert view's last result, kept across hiding and reloads (the host re-sends it while it still holds it)
store.exploreResult = parseKeptResult(host.loadViewState(RESULT_KEY));
let currentView: ViewName = saved.view && VIEW_NAMES.includes(saved.view) ? saved.view : 'overview';
/** the selection restored from state waits for a report that has the block */
let pendingSelection = saved.selectedBlock;
let theme: ThemeColours = readTheme();
applyChartTheme(theme);
diagnostics.__revnetTheme = theme;

const context: ViewContext = {
  store,
  host,
  selectBlock: (id) => select(id, true),
  theme: () => theme,
};

const views: View[] = [overviewView(context), reconstructionView(context), memoryView(context), gradientsView(context), trainingView(context), invertView(context), stabilityView(context), architectureView(context)];
const panels = new Map<ViewName, HTMLElement>();
const stale = new Set<ViewName>(VIEW_NAMES);

// ---- the page's frame ----
const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
clear(app);
const title = el('h1', { id: 'model-title' }, 'RevNet Inspector');
const blockSelect = el('vscode-single-select', { id: 'block-select', 'aria-label': 'Selected block' });
const busyText = el('span', { id: 'busy', class: 'busy', role: 'status' });
const statusLine = el('p', { id: 'status', class: 'status', role: 'status' });
/** said whenever the report's numbers come from random images (no real data fits the model) */
const randomDataNotice = el('p', { id: 'random-data-notice', class: 'notice', role: 'note' });
randomDataNotice.hidden = true;
const errorText = el('span', { id: 'error-text' });
const errorDismiss = el('vscode-button', { id: 'error-dismiss', secondary: true }, 'Dismiss');
const errorBanner = el('div', { id: 'error', class: 'error-banner', role: 'alert' }, errorText, errorDismiss);
errorBanner.hidden = true;
errorDismiss.addEventListener('click', () => {
  errorBanner.hidden = true;
});
blockSelect.addEventListener('change', () => {
  const value = (blockSelect as unknown as { value: string }).value;
  if (value) select(value, true);
});
const tabs = el('vscode-tabs', { id: 'tabs', panel: true });
for (const view of views) {
  tabs.appendChild(el('vscode-tab-header', { slot: 'header', id: `tab-${view.name}`, 'data-view': view.name }, view.title));
  // every view starts stale (the `stale` set below): drawn when first shown
  const panel = el('vscode-tab-panel', { id: `view-${view.name}`, 'data-view': view.name, 'aria-label': view.title, 'data-stale': true });
  panels.set(view.name, panel);
  tabs.appendChild(panel);
}
(tabs as unknown as { selectedIndex: number }).selectedIndex = VIEW_NAMES.indexOf(currentView);
// At 400 px the nine tab headers do not fit on one line, and vscode-tabs cuts the rest off: let them wrap.
// The element has no part or property for it; a stylesheet adopted by its shadow root passes the CSP as Lit's own do.
void customElements.whenDefined('vscode-tabs').then(() => {
  const root = tabs.shadowRoot;
  if (root === null) return;
  const wrapping = new CSSStyleSheet();
  wrapping.replaceSync('.tablist { flex-wrap: wrap; row-gap: 2px; }');
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, wrapping];
});
tabs.addEventListener('vsc-tabs-select', (event) => {
  const index = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  const view = VIEW_NAMES[index] as ViewName | undefined;
  if (view && view !== currentView) {
    currentView = view;
    saveState();
    host.post({ type: 'viewChanged', view });
    requestAnimationFrame(() => renderIfStale(view));
  }
});
app.append(
  el('header', { class: 'top' }, title, el('label', { class: 'block-picker' }, el('span', {}, 'Block'), blockSelect), busyText),
  errorBanner,
  randomDataNotice,
  statusLine,
  tabs,
);

// ---- drawing ----
function viewByName(name: ViewName): View {
  const view = views.find((v) => v.name === name);
  if (view === undefined) throw new Error(`no view named ${name}`);
  return view;
}

function render(view: View): void {
  const panel = panels.get(view.name);
  if (!panel) return;
  const start = performance.now();
  try {
    view.dispose();
    clear(panel);
    view.render(panel);
  } catch (error) {
    clear(panel);
    panel.appendChild(el('p', { class: 'error' }, `This view could not be drawn: ${error instanceof Error ? error.message : String(error)}`));
    console.error(error);
  }
  const elapsed = performance.now() - start;
  (diagnostics.__revnetRenderTimes[view.name] ??= []).push(elapsed);
  stale.delete(view.name);
  panel.removeAttribute('data-stale');
}

function renderIfStale(name: ViewName): void {
  if (stale.has(name)) render(viewByName(name));
}

function changed(change: Change): void {
  for (const view of views) {
    if (!view.dependsOn.includes(change)) continue;
    if (view.name !== currentView) {
      // hidden views draw when they are shown again (charts cannot measure a hidden box)
      stale.add(view.name);
      // tests wait for this to go before they read a view they switched to (it draws in an animation frame)
      panels.get(view.name)?.setAttribute('data-stale', '');
      continue;
    }
    if (stale.has(view.name)) {
      render(view);
      continue;
    }
    let handled = false;
    const start = performance.now();
    try {
      handled = view.update?.(change) ?? false;
    } catch (error) {
      console.error(error);
    }
    if (handled) (diagnostics.__revnetRenderTimes[`${view.name}:${change}`] ??= []).push(performance.now() - start);
    else render(view);
  }
}

function fillBlockSelect(): void {
  clear(blockSelect);
  for (const block of store.report?.blocks ?? []) {
    blockSelect.appendChild(el('vscode-option', { value: block.id, selected: block.id === store.selectedBlock }, block.id));
  }
  if (store.selectedBlock) (blockSelect as unknown as { value: string }).value = store.selectedBlock;
}

function select(id: string, fromPanel: boolean): void {
  if (!store.block(id)) {
    if (!fromPanel) pendingSelection = id;
    return;
  }
  if (store.selectedBlock === id) return;
  store.selectedBlock = id;
  (blockSelect as unknown as { value: string }).value = id;
  saveState();
  if (fromPanel) host.post({ type: 'blockSelected', blockId: id });
  changed('selection');
}

/** the model this panel belongs to: the host's key in the page (a config URI) first, else the last report's */
function modelKey(): string | undefined {
  return document.body.dataset['modelKey'] ?? (store.report ? (store.report.model.configPath ?? store.report.model.name) : saved.modelKey);
}

function saveState(): void {
  const key = modelKey();
  host.saveState({
    view: currentView,
    ...(store.selectedBlock !== undefined ? { selectedBlock: store.selectedBlock } : {}),
    ...(key !== undefined ? { modelKey: key } : {}),
  });
}

function showError(message: string): void {
  errorText.textContent = message;
  errorBanner.hidden = false;
}

function showDataNotice(report: InspectReport): void {
  const random = report.data.startsWith('random');
  randomDataNotice.hidden = !random;
  const { height, width, channels } = report.model.input;
  randomDataNotice.textContent = random
    ? `These numbers come from random images, not real data: no built-in data fits this model's ${height}×${width}×${channels} input. ` +
      'To use real images (for example CIFAR-10 files), set revnet.defaultData to "ask" and inspect again.'
    : '';
}

// ---- messages from the host ----
function handle(message: HostToWebview): void {
  switch (message.type) {
    case 'report': {
      store.report = message.report;
      title.textContent = `RevNet Inspector — ${message.report.model.name}`;
      showDataNotice(message.report);
      const wanted = pendingSelection ?? store.selectedBlock;
      store.selectedBlock = wanted !== undefined && store.block(wanted) ? wanted : undefined;
      pendingSelection = undefined;
      fillBlockSelect();
      saveState();
      changed('report');
      break;
    }
    case 'settings':
      store.errorThreshold = message.errorThreshold;
      changed('threshold');
      break;
    case 'progress':
      store.addProgress(message.event);
      changed('progress');
      break;
    case 'history':
      store.setHistory(message.events, message.end);
      changed('progress');
      break;
    case 'runEnded':
      store.runEnd = message.end;
      changed('progress');
      break;
    case 'selectBlock':
      select(message.blockId, false);
      break;
    case 'exploreResult':
      store.exploreResult = message.result;
      store.exploreLive = true;
      host.saveViewState(RESULT_KEY, keptResult(message.result));
      changed('explore');
      break;
    case 'saved':
      statusLine.textContent = `Saved ${message.path}`;
      break;
    case 'error':
      showError(message.message);
      break;
    case 'busy':
      store.busy = { busy: message.busy, ...(message.what !== undefined ? { what: message.what } : {}) };
      busyText.textContent = message.busy ? `${message.what ?? 'Working'}…` : '';
      setNoReportBusy(message.busy ? (message.what ?? 'working') : undefined);
      changed('busy');
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = parseHostMessage(decodeNonFinite(event.data));
  if (!parsed.ok) {
    diagnostics.__revnetIgnoredMessages.push(parsed.reason);
    console.warn(`RevNet panel: ignored a message from the host (${parsed.reason})`);
    return;
  }
  try {
    handle(parsed.message);
  } catch (error) {
    diagnostics.__revnetIgnoredMessages.push(`${parsed.message.type}: ${error instanceof Error ? error.message : String(error)}`);
    console.error(error);
  }
});

watchTheme(() => {
  theme = readTheme();
  applyChartTheme(theme);
  diagnostics.__revnetTheme = theme;
  changed('theme');
});

render(viewByName(currentView));
// kept from the start: a panel hidden before its first report still comes back to its own model after a reload
saveState();
host.post({ type: 'ready' });
