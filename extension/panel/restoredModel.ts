// Which model a panel revived after a window reload belongs to (plain Node, no vscode: unit-tested).
// Each panel's webview keeps its own model's key in its saved state; the host also records every open
// panel's key, for a panel whose webview never ran (hidden behind another tab since it was made).

export interface RestoreCandidates {
  /** the key in the webview's saved state: a config URI (newer pages), or a report's configPath or name (older ones) */
  savedKey: string | undefined;
  /** the revived tab's title ("RevNet: NAME"), which VS Code keeps across the reload */
  title: string;
  /** config URIs of the panels that were open, as the host recorded them */
  recorded: readonly string[];
  /** config URIs already shown by another panel (revived before this one, or opened since) */
  claimed: ReadonlySet<string>;
  /** the title a panel of this config URI gets */
  titleOf: (key: string) => string;
  /** an absolute file path as a config URI */
  fileUri: (path: string) => string;
}

export type RestoredModel =
  /** the config URI, known at once */
  | { kind: 'uri'; key: string }
  /** only a model's name or a path the host must look up among the stored inspections */
  | { kind: 'lookup'; key: string }
  | { kind: 'none' };

const URI_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export function restoredModel(c: RestoreCandidates): RestoredModel {
  const saved = c.savedKey;
  if (saved !== undefined && saved !== '') {
    if (URI_SCHEME.test(saved)) return { kind: 'uri', key: saved };
    if (saved.startsWith('/')) return { kind: 'uri', key: c.fileUri(saved) };
    return { kind: 'lookup', key: saved };
  }
  // no record in the webview: the recorded panel whose title this tab carries, and no other panel shows
  const free = c.recorded.filter((key) => !c.claimed.has(key));
  const byTitle = free.find((key) => c.titleOf(key) === c.title);
  return byTitle === undefined ? { kind: 'none' } : { kind: 'uri', key: byTitle };
}

/** the recorded list after a panel of `key` opened (most recent last, no duplicates) */
export function withPanel(recorded: readonly string[], key: string): string[] {
  return [...recorded.filter((k) => k !== key), key];
}

/** the recorded list after the user closed the panel of `key` */
export function withoutPanel(recorded: readonly string[], key: string): string[] {
  return recorded.filter((k) => k !== key);
}
