// A recording stand-in for the `electron` module, so the app's real entry point (package.json "main")
// runs under plain Node in the test suite (electron/fiddle tests its main process this way). It
// implements the surface the app uses - app, Tray, Menu, nativeImage, BrowserWindow + webContents, ipcMain,
// Notification - and reports every call to the test over the IPC channel of the process
// (electron-app.ts), which in turn drives it: menu clicks, tray clicks, IPC invokes from "the window",
// quit. Resolved in place of `electron` by hooks.ts.
//
// Typed against electron's own electron.d.ts: each export `satisfies` the parameters of the real API it
// stands in for (Surface below), so when Electron changes an argument the app passes, this file stops
// compiling. Return values are loosened: these are stand-ins, not Electron objects.
import { existsSync, readFileSync } from 'node:fs';
import type {
  App,
  BrowserWindow as ElectronBrowserWindow,
  BrowserWindowConstructorOptions,
  IpcMain,
  Menu as ElectronMenu,
  MenuItem as ElectronMenuItem,
  MenuItemConstructorOptions,
  NativeImage,
  nativeImage as ElectronNativeImage,
  Notification as ElectronNotification,
  NotificationConstructorOptions,
  Tray as ElectronTray,
  WebContents,
} from 'electron';

/** The methods K of T with T's parameter types and any return type. */
type Surface<T, K extends keyof T> = { [P in K]: T[P] extends (...args: infer A) => unknown ? (...args: A) => unknown : T[P] };
type Constructs<C extends abstract new (...args: never[]) => unknown> = new (...args: ConstructorParameters<C>) => unknown;

/** One thing the app did, as the test sees it. */
export interface Call {
  type: 'call';
  what: string;
  args: unknown[];
  /** Milliseconds since the stand-in was loaded. */
  at: number;
}

/** What the test asks of the stand-in. */
export type Command =
  | { cmd: 'click-menu'; id: number; label: string }
  | { cmd: 'click-tray'; id: number }
  | { cmd: 'invoke'; id: number; channel: string; args: unknown[]; sender?: 'window' | 'stranger' }
  | { cmd: 'close-window'; id: number }
  | { cmd: 'quit'; id: number };

const started = Date.now();
const send = (message: unknown, done?: () => void): void => {
  if (process.send) process.send(message, undefined, undefined, () => done?.());
  else done?.();
};
function record(what: string, ...args: unknown[]): void {
  send({ type: 'call', what, args: JSON.parse(JSON.stringify(args, (_k, v: unknown) => (typeof v === 'function' ? '[function]' : v))) as unknown[], at: Date.now() - started } satisfies Call);
}

type Listener = (...args: unknown[]) => unknown;
class Emitter {
  private readonly listeners = new Map<string, { fn: Listener; once: boolean }[]>();
  on(event: string, fn: Listener): this {
    (this.listeners.get(event) ?? this.listeners.set(event, []).get(event)!).push({ fn, once: false });
    return this;
  }
  once(event: string, fn: Listener): this {
    (this.listeners.get(event) ?? this.listeners.set(event, []).get(event)!).push({ fn, once: true });
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(event, list.filter((l) => !l.once));
    for (const l of list) l.fn(...args);
  }
}

/** A quit or exit: told to the test first (process.send is asynchronous), then the process ends. */
function exitProcess(code: number): void {
  send({ type: 'exit', code }, () => process.exit(code));
}

class StandInApp extends Emitter {
  private ready = false;
  private readonly readyPromise: Promise<void>;
  readonly commandLine = {
    appendSwitch: (name: string, value?: string) => record('app.commandLine.appendSwitch', name, value),
  };
  constructor() {
    super();
    this.readyPromise = new Promise((resolve) => {
      // Electron emits 'ready' once the main script has run; so does this, after its first turn.
      setTimeout(() => {
        this.ready = true;
        record('app.ready', { cwd: process.cwd(), HOME: process.env.HOME, PWD: process.env.PWD, MSM_HOME: process.env.MSM_HOME });
        this.emit('ready');
        resolve();
      }, 0);
    });
  }
  override on(event: string, fn: Listener): this {
    record('app.on', event);
    return super.on(event, fn);
  }
  setPath(name: Parameters<App['setPath']>[0], path: string): void {
    record('app.setPath', name, path);
  }
  setAppLogsPath(path?: string): void {
    record('app.setAppLogsPath', path);
  }
  requestSingleInstanceLock(): boolean {
    record('app.requestSingleInstanceLock');
    return true;
  }
  whenReady(): Promise<void> {
    record('app.whenReady');
    return this.readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  quit(): void {
    record('app.quit');
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return record('app.quit.prevented');
    for (const w of windows) w.destroy();
    this.emit('will-quit', { preventDefault: () => undefined });
    this.emit('quit');
    exitProcess(0);
  }
  exit(code = 0): void {
    record('app.exit', code);
    exitProcess(code);
  }
}

export const app = new StandInApp() satisfies Surface<App, 'setPath' | 'setAppLogsPath' | 'requestSingleInstanceLock' | 'whenReady' | 'quit' | 'exit' | 'isReady'> & {
  commandLine: Surface<App['commandLine'], 'appendSwitch'>;
};

class StandInImage {
  constructor(readonly path: string) {}
  isEmpty(): boolean {
    return !this.valid();
  }
  /** A PNG file: what Electron's nativeImage reads. */
  valid(): boolean {
    return existsSync(this.path) && readFileSync(this.path).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  }
}

export const nativeImage = {
  createFromPath(path: string): StandInImage {
    const image = new StandInImage(path);
    record('nativeImage.createFromPath', path, image.valid());
    return image;
  },
} satisfies Surface<typeof ElectronNativeImage, 'createFromPath'>;

interface MenuItem {
  label?: string;
  type?: string;
  enabled?: boolean;
  click?: (...args: never[]) => unknown;
}

class StandInMenu {
  constructor(readonly items: MenuItem[]) {}
  static buildFromTemplate(template: Array<MenuItemConstructorOptions | ElectronMenuItem>): StandInMenu {
    return new StandInMenu(template.map((t) => ({ ...t }) as MenuItem));
  }
  /** What the test is told: labels, types, enabled. */
  describe(): { label: string; type: string; enabled: boolean }[] {
    return this.items.map((i) => ({ label: i.label ?? '', type: i.type ?? 'normal', enabled: i.enabled !== false }));
  }
}
export const Menu = StandInMenu satisfies Surface<typeof ElectronMenu, 'buildFromTemplate'>;

let currentTray: StandInTray | undefined;
class StandInTray extends Emitter {
  menu: StandInMenu | undefined;
  private destroyed = false;
  constructor(image: NativeImage | string) {
    super();
    record('Tray.new', image instanceof StandInImage ? image.path : String(image));
    currentTray = this;
  }
  override on(event: string, fn: Listener): this {
    record('Tray.on', event);
    return super.on(event, fn);
  }
  setImage(image: NativeImage | string): void {
    record('Tray.setImage', image instanceof StandInImage ? image.path : String(image));
  }
  setToolTip(toolTip: string): void {
    record('Tray.setToolTip', toolTip);
  }
  setContextMenu(menu: ElectronMenu | null): void {
    this.menu = (menu as unknown as StandInMenu | null) ?? undefined;
    record('Tray.setContextMenu', this.menu?.describe() ?? null);
  }
  destroy(): void {
    this.destroyed = true;
    record('Tray.destroy');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}
export const Tray = StandInTray satisfies Constructs<typeof ElectronTray>;
// The instance methods the app calls, checked against Tray's.
const trayMethods: Surface<ElectronTray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'destroy' | 'isDestroyed'> = StandInTray.prototype;
void trayMethods;

let nextContentsId = 1;
class StandInWebContents extends Emitter {
  readonly id = nextContentsId++;
  private destroyed = false;
  windowOpenHandler: unknown;
  override on(event: string, fn: Listener): this {
    record('webContents.on', event);
    return super.on(event, fn);
  }
  setWindowOpenHandler(handler: Parameters<WebContents['setWindowOpenHandler']>[0]): void {
    this.windowOpenHandler = handler;
    record('webContents.setWindowOpenHandler');
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    record('webContents.send', channel, ...args);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
}
const contentsMethods: Surface<WebContents, 'setWindowOpenHandler' | 'send' | 'isDestroyed'> = StandInWebContents.prototype;
void contentsMethods;

const windows = new Set<StandInBrowserWindow>();
class StandInBrowserWindow extends Emitter {
  readonly webContents = new StandInWebContents();
  private destroyed = false;
  constructor(options?: BrowserWindowConstructorOptions) {
    super();
    windows.add(this);
    record('BrowserWindow.new', options);
  }
  async loadFile(filePath: string, options?: Parameters<ElectronBrowserWindow['loadFile']>[1]): Promise<void> {
    record('BrowserWindow.loadFile', filePath, existsSync(filePath), options);
    setImmediate(() => this.emit('ready-to-show'));
  }
  show(): void {
    record('BrowserWindow.show');
  }
  focus(): void {
    record('BrowserWindow.focus');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroy();
    windows.delete(this);
    record('BrowserWindow.closed');
    this.emit('closed');
  }
}
export const BrowserWindow = StandInBrowserWindow satisfies Constructs<typeof ElectronBrowserWindow>;
const windowMethods: Surface<ElectronBrowserWindow, 'loadFile' | 'show' | 'focus' | 'isDestroyed' | 'close' | 'destroy'> = StandInBrowserWindow.prototype;
void windowMethods;

type Handler = Parameters<IpcMain['handle']>[1];
const handlers = new Map<string, Handler>();
export const ipcMain = {
  handle(channel: string, listener: Handler): void {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, listener);
    record('ipcMain.handle', channel);
  },
  removeHandler(channel: string): void {
    handlers.delete(channel);
    record('ipcMain.removeHandler', channel);
  },
} satisfies Surface<IpcMain, 'handle' | 'removeHandler'>;

class StandInNotification extends Emitter {
  constructor(private readonly options?: NotificationConstructorOptions) {
    super();
    record('Notification.new', options);
  }
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    record('Notification.show', this.options?.title, this.options?.body);
    setImmediate(() => this.emit('show'));
  }
}
export const Notification = StandInNotification satisfies Constructs<typeof ElectronNotification> & Surface<typeof ElectronNotification, 'isSupported'>;
const notificationMethods: Surface<ElectronNotification, 'show'> = StandInNotification.prototype;
void notificationMethods;

// The test's commands.
process.on('message', (raw) => {
  const c = raw as Command;
  const reply = (ok: boolean, value?: unknown) => send({ type: 'reply', id: c.id, ok, value });
  void (async () => {
    try {
      switch (c.cmd) {
        case 'click-menu': {
          const item = currentTray?.menu?.items.find((i) => i.label === c.label);
          if (!item?.click) throw new Error(`no menu item "${c.label}" with an action: ${JSON.stringify(currentTray?.menu?.describe())}`);
          (item.click as () => void)();
          return reply(true);
        }
        case 'click-tray':
          if (!currentTray) throw new Error('no tray');
          currentTray.emit('click');
          return reply(true);
        case 'invoke': {
          const handler = handlers.get(c.channel);
          if (!handler) throw new Error(`No handler registered for '${c.channel}'`);
          const window = [...windows][0];
          const sender = c.sender === 'stranger' ? new StandInWebContents() : window?.webContents;
          // The event the app reads: its sender (status-bridge.ts checks it is the window's).
          const event = { sender } as unknown as Parameters<Handler>[0];
          return reply(true, await handler(event, ...c.args));
        }
        case 'close-window':
          for (const w of [...windows]) w.close();
          return reply(true);
        case 'quit':
          reply(true);
          return app.quit();
      }
    } catch (e) {
      reply(false, e instanceof Error ? e.message : String(e));
    }
  })();
});
