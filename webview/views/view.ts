// What every view of the panel provides to the shell in main.ts.
import type { ViewName } from '../../protocol/webviewMessages';
import type { Host } from '../host';
import type { Change, Store } from '../store';
import type { ThemeColours } from '../theme';

export interface ViewContext {
  store: Store;
  host: Host;
  /** selects a block everywhere and tells the host */
  selectBlock(id: string): void;
  theme(): ThemeColours;
}

export interface View {
  name: ViewName;
  title: string;
  /** the changes after which the view must draw again */
  dependsOn: readonly Change[];
  /** draws the whole view into its element (the element is visible when this runs) */
  render(element: HTMLElement): void;
  /** a cheap update for a change, if the view has one; false means "render again" */
  update?(change: Change): boolean;
  /** frees charts before the element is emptied */
  dispose(): void;
}
