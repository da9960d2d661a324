// Driving the VS Code workbench (code-server in Chromium) with playwright-core: the command palette,
// quick picks, notifications, the status bar, hovers and the webview frames, plus step screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export class Workbench {
  constructor(
    readonly page: Page,
    private readonly artifacts: string,
  ) {
    mkdirSync(artifacts, { recursive: true });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // the explorer has listed the workspace: the workbench is ready for commands
    await this.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
  }

  async screenshot(name: string): Promise<string> {
    const path = join(this.artifacts, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Runs a command by its palette title, e.g. "RevNet: New Model Config…". */
  async runCommand(title: string, timeout = 60_000): Promise<void> {
    const deadline = Date.now() + timeout;
    const input = this.quickInput.locator('input');
    // Right after start-up the extension host may not have registered the command yet: retry.
    for (;;) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${title}`);
      const row = this.quickInput.locator('.quick-input-list .monaco-list-row .label-name', { hasText: title }).first();
      try {
        await row.waitFor({ timeout: 3000 });
        await input.press('Enter');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  /** Picks the item of an open quick pick whose label contains `text`. */
  async pick(text: string, timeout = 30_000): Promise<void> {
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(text);
    await this.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout });
    await input.press('Enter');
  }

  /** Answers an open input box. */
  async answer(text: string, timeout = 30_000): Promise<void> {
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(text);
    await input.press('Enter');
  }

  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast, .notification-list-item', { hasText: text }).first();
  }

  statusBar(text: string | RegExp): Locator {
    return this.page.locator('.statusbar-item', { hasText: text }).first();
  }

  editorTab(name: string): Locator {
    return this.page.locator('.tabs-container .tab', { hasText: name }).first();
  }

  /** The text of a RevNet error notification on screen, if there is one. */
  async revnetError(): Promise<string | undefined> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: /RevNet: .* failed|The RevNet engine/ }).first();
    if ((await toast.count()) === 0) return undefined;
    return (await toast.innerText().catch(() => 'RevNet error')).replace(/\s+/g, ' ');
  }

  /** Waits for a locator, but fails at once when the extension reports an error instead. */
  async waitOrFail(locator: Locator, timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      if ((await locator.count()) > 0 && (await locator.isVisible())) return;
      const error = await this.revnetError();
      if (error !== undefined) throw new Error(`the extension reported: ${error}`);
      if (Date.now() > deadline) throw new Error(`not visible within ${timeout} ms: ${locator.toString()}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** The first frame (webviews nest iframes) that holds `selector`; fails early on a RevNet error. */
  async frameWith(selector: string, timeout = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const error = await this.revnetError();
      if (error !== undefined) throw new Error(`the extension reported: ${error}`);
      for (const frame of this.page.frames()) {
        try {
          if ((await frame.locator(selector).count()) > 0) return frame;
        } catch {
          // frame navigated away or detached
        }
      }
      if (Date.now() > deadline) throw new Error(`no frame shows ${selector} within ${timeout} ms`);
      await this.page.waitForTimeout(100);
    }
  }

  /** Right-clicks an explorer item and runs the context-menu entry `action`. */
  async explorerAction(item: string, action: string): Promise<void> {
    const row = this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: item }).first();
    await row.waitFor({ timeout: 20_000 });
    const entry = this.page.locator('.context-view .monaco-menu .action-item', { hasText: action }).first();
    for (let attempt = 0; ; attempt++) {
      await row.click({ button: 'right' });
      await entry.waitFor({ state: 'visible', timeout: 5000 });
      await entry.hover();
      await entry.click();
      try {
        await entry.waitFor({ state: 'hidden', timeout: 2000 });
        return;
      } catch (error) {
        if (attempt >= 2) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  async dismissNotifications(): Promise<void> {
    for (const toast of await this.page.locator('.notifications-toasts .notification-toast').all()) {
      await toast.hover().catch(() => undefined);
      await toast.locator('.codicon-notifications-clear, .codicon-close').first().click({ timeout: 1000 }).catch(() => undefined);
    }
  }
}
