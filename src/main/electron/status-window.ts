// The status window (src/renderer, fed through status-bridge.ts): locked down like a web page.
// contextIsolation and sandbox on, nodeIntegration off, one preload that exposes a typed API;
// navigation and window.open denied (Electron security checklist, items 3, 4, 13, 14).
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';

export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export interface StatusWindowOptions {
  /** dist/src/preload/preload.cjs (written by the preload layer). */
  preloadPath: string;
  /** dist/src/renderer/index.html. */
  indexPath: string;
}

export interface StatusWindow {
  show(): void;
  /** The window, if open. */
  readonly window: BrowserWindow | undefined;
}

export function statusWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 900,
    height: 640,
    show: false,
    title: 'Mount Status Monitor',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  };
}

export function setupStatusWindow(BrowserWindowCtor: BrowserWindowClass, options: StatusWindowOptions): StatusWindow {
  let win: BrowserWindow | undefined;
  return {
    get window() {
      return win;
    },
    show() {
      if (win && !win.isDestroyed()) {
        win.show();
        win.focus();
        return;
      }
      win = new BrowserWindowCtor(statusWindowOptions(options.preloadPath));
      const contents = win.webContents;
      contents.on('will-navigate', (event) => event.preventDefault());
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
      win.once('ready-to-show', () => win?.show());
      win.on('closed', () => {
        win = undefined;
      });
      void win.loadFile(options.indexPath);
    },
  };
}
