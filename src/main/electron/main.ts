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
import { prepareElectronEnvironment } from '../electron-env.js';
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
  // HOME, XDG dirs, PATH and the cwd off the real home (electron-env.ts). bin/start.js already started
  // us so; a launch from the desktop entry did not, and gets it here, before 'ready'. Assigning
  // process.env calls setenv(3), so Chromium and GTK code that reads HOME from now on sees the runtime
  // dir; whatever read it before this line (see electron-env.ts) is not covered.
  const prepared = prepareElectronEnvironment();
  for (const [key, value] of Object.entries(prepared.env)) if (value !== undefined) process.env[key] = value;
  process.chdir(prepared.cwd);
  const home = homeFromEnv();
  setupAppPaths(app, prepared.dirs);
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
