// The Electron main process: thin glue. Everything decided here is in plain modules (tray/, notify/,
// app-paths.ts) tested in Node; this file only hands them Electron's objects.
//
// Order matters: the app's directories and the single-instance lock are set up before 'ready'
// (Chromium opens its profile while starting), and nothing here touches $HOME.
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Tray } from 'electron';
import { homedir } from 'node:os';
import { IpcChannel } from '../../common/ipc-channels.js';
import { setupStatusBridge } from '../status-bridge.js';
import { fileURLToPath } from 'node:url';
import { pathWithoutHome, prepareAppDirs } from '../app-paths.js';
import { createNotifier } from '../notify/notifier.js';
import { startNotifications } from '../notify/notify-service.js';
import { NotificationPolicy } from '../notify/policy.js';
import { homeFromEnv } from '../tray/home-mount.js';
import type { MenuAction } from '../tray/menu-model.js';
import { openMonitorSource } from '../tray/monitor-source.js';
import type { TrayLevel } from '../tray/tray-state.js';
import { setupAppPaths, setupSingleInstance } from './app-setup.js';
import { setupStatusWindow } from './status-window.js';
import { setupTray } from './tray-controller.js';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
// dist/src/main/electron/main.js -> <root>/build/icons, dist/src/preload, dist/src/renderer.
const ICON_DIR = here('../../../../build/icons/');
const PRELOAD = here('../../preload/preload.cjs');
const INDEX = here('../../renderer/index.html');

/** Linux panels draw 22 px tray icons (AppIndicator); 16 px elsewhere. */
function iconFor(level: TrayLevel) {
  const size = process.platform === 'linux' ? 22 : 16;
  return nativeImage.createFromPath(`${ICON_DIR}tray-${level}-${size}.png`);
}

export function setupBeforeReady(): boolean {
  const home = homeFromEnv();
  // The shell that runs notify-send must not walk ~/bin or ~/.local/bin (see notifier.ts).
  process.env.PATH = pathWithoutHome(process.env.PATH, process.env.HOME);
  setupAppPaths(app, prepareAppDirs());
  const status = setupStatusWindow(BrowserWindow, { preloadPath: PRELOAD, indexPath: INDEX });
  const ok = setupSingleInstance(app, () => status.show());
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});
  if (ok) void app.whenReady().then(() => setupOnReady(home, status));
  return ok;
}

async function setupOnReady(home: string | undefined, status: ReturnType<typeof setupStatusWindow>): Promise<void> {
  const source = await openMonitorSource({ log: (m) => console.log(m) });
  const onAction = (action: MenuAction) => {
    switch (action.id) {
      case 'recheck':
        void source.api.recheck(action.mountpoint).catch((e: unknown) => console.error(`recheck failed: ${String(e)}`));
        break;
      case 'open-status':
        status.show();
        break;
      case 'quit':
        app.quit();
        break;
    }
  };
  const tray = setupTray(
    {
      createTray: (icon) => new Tray(icon),
      buildMenu: (template) => Menu.buildFromTemplate(template),
      iconFor,
    },
    { api: source.api, connection: source.connection, onConnection: source.onConnection, ...(home ? { home } : {}), onAction },
  );
  // os.homedir() is $HOME or the passwd entry: a string, no file access.
  const bridge = setupStatusBridge({
    ipcMain,
    api: source.api,
    home: home ?? homedir(),
    isOurSender: (sender) => status.window !== undefined && sender === status.window.webContents,
    send: (event) => status.window?.webContents.send(IpcChannel.Changed, event),
  });
  const notifier = createNotifier({ iconDir: ICON_DIR, log: (m) => console.error(m) });
  const notifications = startNotifications({
    api: source.api,
    policy: new NotificationPolicy({ ...(home ? { home } : {}), now: Date.now }),
    notifier,
    now: Date.now,
  });
  app.on('before-quit', () => {
    notifications.stop();
    bridge.dispose();
    tray.dispose();
    void source.close();
  });
}

setupBeforeReady();
