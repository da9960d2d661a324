// The messages between the extension (host) and the inspection panel (webview), in both directions.
// The webview is untrusted: the host validates every message it receives (protocol/validateWebviewMessage.ts)
// and answers a bad one with an `error` message, never by crashing.
import type { ExploreResult, OutputEdit, ProgressEvent } from './engineApi';
import type { InspectReport } from './inspectReport';

/** Every message carries an id. */
export interface Envelope {
  id: number;
}

/** A host message that answers a webview message names it in replyTo (the webview never answers the host). */
export interface HostEnvelope extends Envelope {
  replyTo?: number;
}

/** the panel's views, in the order of its tabs */
export const VIEW_NAMES = ['overview', 'reconstruction', 'memory', 'gradients', 'training', 'invert', 'stability', 'architecture'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

// ---- host → webview ----

/** a new inspection report for the panel's model */
export interface ReportMessage extends HostEnvelope { type: 'report'; report: InspectReport }
/** the settings the panel follows; the panel flags a block when max(maxAbs, chainMaxAbs) is above errorThreshold or NaN,
 *  the same rule as the editor's hover and diagnostics */
export interface SettingsMessage extends HostEnvelope { type: 'settings'; errorThreshold: number }
/** a training progress event (live curves) */
export interface ProgressMessage extends HostEnvelope { type: 'progress'; event: ProgressEvent }
/** how a training run of this window ended; `step` is the last step done */
export interface RunEnd { status: 'finished' | 'cancelled' | 'diverged' | 'failed'; text: string; step?: number }
/** the training run ended (the panel leaves "State: training") */
export interface RunEndedMessage extends HostEnvelope { type: 'runEnded'; end: RunEnd }
/** the model's run history from its run folder (protocol/runHistory.ts), replacing the panel's curves */
export interface HistoryMessage extends HostEnvelope { type: 'history'; events: ProgressEvent[]; end?: RunEnd; file: string }
/** select a block (from the editor) */
export interface SelectBlockMessage extends HostEnvelope { type: 'selectBlock'; blockId: string }
/** the answer to an `explore` request */
export interface ExploreResultMessage extends HostEnvelope { type: 'exploreResult'; result: ExploreResult }
/** a tensor was saved, or a request failed */
export interface SavedMessage extends HostEnvelope { type: 'saved'; path: string }
export interface ErrorMessage extends HostEnvelope { type: 'error'; message: string }
/** the engine is busy (inspecting, exploring) or free again */
export interface BusyMessage extends HostEnvelope { type: 'busy'; busy: boolean; what?: string }

export type HostToWebview =
  | ReportMessage
  | SettingsMessage
  | ProgressMessage
  | RunEndedMessage
  | HistoryMessage
  | SelectBlockMessage
  | ExploreResultMessage
  | SavedMessage
  | ErrorMessage
  | BusyMessage;

// ---- webview → host ----

/** the page has loaded and wants the current state */
export interface ReadyMessage extends Envelope { type: 'ready' }
/** the user selected a block in the panel: reveal it in the .revnet.json editor */
export interface BlockSelectedMessage extends Envelope { type: 'blockSelected'; blockId: string }
/** invert a sample (or a .npy file the user picks: source "pickFile") after applying edits */
export interface ExploreMessage extends Envelope {
  type: 'explore';
  source: { sample: number } | { pickFile: true };
  edits: OutputEdit[];
}
/** save one tensor of the last explore result as .npy; the host asks the user where */
export interface SaveTensorMessage extends Envelope {
  type: 'saveTensor';
  which: 'input' | 'output' | 'edited' | 'inverted' | 'difference';
}
/** run the inspection again */
export interface RefreshMessage extends Envelope { type: 'refresh' }
/** the user switched view (kept by the host for restoring the panel) */
export interface ViewChangedMessage extends Envelope { type: 'viewChanged'; view: ViewName }

export type WebviewToHost =
  | ReadyMessage
  | BlockSelectedMessage
  | ExploreMessage
  | SaveTensorMessage
  | RefreshMessage
  | ViewChangedMessage;

/** what the panel keeps with vscode.setState, restored after hiding or a window reload */
export interface PanelState {
  view: ViewName;
  selectedBlock?: string;
  modelKey?: string;
}
