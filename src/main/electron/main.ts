// The Electron main process: thin glue. Everything decided here is in plain modules (tray/, notify/,
// status-bridge.ts, app-paths.ts) tested in Node; this file only hands them Electron's objects. The test
// suite runs this very file under Node with `electron` resolved to a recording stand-in
// (test/support/electron-stand-in/), so the order below is asserted, not only described.
//
// Order matters:
//   1. the environment and Electron's directories off the real home, before anything else (Chromium
//      opens its profile while starting);
//   2. the single-instance lock;
//   3. the status window's IPC handlers and the monitor feed (opened at once, not after 'ready'), so a
//      window that asks early finds its handlers and waits for the source;
//   4. on 'ready': is there a tray host? the tray; the status window when there is none; notifications.
// A failure anywhere in start-up is logged, notified and ends the process with status 1, so no tray-less
// process keeps the single-instance lock.
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, Tray } from 'electron';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { prepareElectronEnvironment } from '../electron-env.js';
import { askHelperToDisconnect, setupMountRecovery, type MountRecovery } from '../mount-recovery.js';
import { disconnected } from '../notify/messages.js';
import { createNotifier } from '../notify/notifier.js';
import { startNotifications } from '../notify/notify-service.js';
import { NotificationPolicy } from '../notify/policy.js';
import { pendingFeed, type FeedView } from '../app/pending-feed.js';
import { setupStatusBridge } from '../status-bridge.js';
import { homeFromEnv } from '../app/home-mount.js';
import type { MenuAction } from '../tray/menu-model.js';
import { openMonitorFeed, type MonitorFeed } from '../app/monitor-feed.js';
import { noTrayNotice, trayHost, type TrayHost } from '../tray/tray-host.js';
import { APP_NAME, type TrayLevel } from '../tray/tray-state.js';
import { setupAppPaths, setupSingleInstance } from './app-setup.js';
import { setupStatusWindow, type StatusWindow } from './status-window.js';
import { setupTray } from './tray-controller.js';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
// dist/src/main/electron/main.js -> <root>/build/icons, dist/src/preload, dist/src/renderer.
const ICON_DIR = here('../../../../build/icons/');
const PRELOAD = here('../../preload/preload.cjs');
const INDEX = here('../../renderer/index.html');
/** How long quitting waits for the monitor feed to stop its probes. */
const CLOSE_MS = 2000;

/** Linux panels draw 22 px tray icons (AppIndicator); 16 px elsewhere. */
function iconFor(level: TrayLevel) {
  const size = process.platform === 'linux' ? 22 : 16;
  return nativeImage.createFromPath(`${ICON_DIR}tray-${level}-${size}.png`);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

let failed = false;
/** Start-up failed: say so on stderr and in a notification, then exit 1 (the lock goes with us). */
function startFailed(stage: string, error: unknown): void {
  if (failed) return;
  failed = true;
  const text = `cannot start (${stage}): ${message(error)}`;
  console.error(`mount-status-monitor: ${text}`);
  const exit = () => app.exit(1);
  void app.whenReady().then(() => {
    if (!Notification.isSupported()) return exit();
    const n = new Notification({ title: `${APP_NAME} could not start`, body: `${text}. Start it from a terminal to see more.`, urgency: 'critical' });
    n.once('show', exit);
    n.once('failed', exit);
    setTimeout(exit, 3000);
    n.show();
  });
}

export function setupBeforeReady(): void {
  let dirs;
  try {
    // HOME, XDG dirs, PATH and the cwd off the real home (electron-env.ts). bin/start.js and the packaged
    // launcher already started us so; a launch that did not gets it here. Assigning process.env calls
    // setenv(3), so Chromium and GTK code that reads HOME from now on sees the runtime dir.
    const prepared = prepareElectronEnvironment();
    for (const [key, value] of Object.entries(prepared.env)) if (value !== undefined) process.env[key] = value;
    process.chdir(prepared.cwd);
    dirs = prepared.dirs;
    setupAppPaths(app, dirs);
  } catch (e) {
    return startFailed('preparing its directories', e);
  }
  const home = homeFromEnv();
  const status = setupStatusWindow(BrowserWindow, { preloadPath: PRELOAD, indexPath: INDEX });
  if (!setupSingleInstance(app, () => status.show())) return;
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});

  const opening = openMonitorFeed({ log: (m) => console.log(m), ...(home ? { home } : {}) });
  opening.catch((e: unknown) => startFailed('opening the monitor', e));
  const view = pendingFeed(opening);
  const recovery = setupMountRecovery({ api: view.api, uid: process.getuid?.() ?? -1, ...(home ? { home } : {}), helperDisconnect: askHelperToDisconnect });
  let notice: string | undefined;
  // os.homedir() is $HOME or the passwd entry: a string, no file access.
  const bridge = setupStatusBridge({
    ipcMain,
    api: view.api,
    recovery,
    connection: view.connection,
    onConnection: view.onConnection,
    home: home ?? homedir(),
    notice: () => notice,
    quit: () => app.quit(),
    isOurSender: (sender) => {
      const w = status.window;
      return w !== undefined && !w.isDestroyed() && sender === w.webContents;
    },
    send: (channel, payload) => {
      // A window closing (or crashed) between a change and its push: nothing to tell.
      const w = status.window;
      if (w && !w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(channel, payload);
    },
  });
  app
    .whenReady()
    .then(() => setupOnReady({ home, status, view, recovery, opening, bridge, setNotice: (n) => (notice = n) }))
    .catch((e: unknown) => startFailed('setting up the tray', e));
}

interface ReadyContext {
  home: string | undefined;
  status: StatusWindow;
  view: FeedView;
  recovery: MountRecovery;
  opening: Promise<MonitorFeed>;
  bridge: { dispose(): void };
  setNotice(notice: string): void;
}

async function setupOnReady({ home, status, view, recovery, opening, bridge, setNotice }: ReadyContext): Promise<void> {
  const host: TrayHost = process.platform === 'linux' ? await trayHost() : { present: true };
  const notifier = createNotifier({ iconDir: ICON_DIR, log: (m) => console.error(m) });
  const onAction = (action: MenuAction) => {
    switch (action.id) {
      case 'recheck':
        void view.api.recheck(action.mountpoint).catch((e: unknown) => console.error(`recheck failed: ${message(e)}`));
        break;
      case 'disconnect': {
        const { mountpoint } = action;
        void recovery
          .disconnect(mountpoint)
          .catch((e: unknown) => ({ gone: false, steps: [], reason: message(e) }))
          .then((r) => {
            console.log(`disconnect ${JSON.stringify(mountpoint)}: ${r.gone ? 'gone' : `not gone: ${r.reason}`}; ${r.steps.join('; ')}`);
            notifier.notify(disconnected(mountpoint, r));
          });
        break;
      }
      case 'open-status':
        status.show();
        break;
      case 'quit':
        app.quit();
        break;
    }
  };
  const tray = setupTray(
    { createTray: (icon) => new Tray(icon), buildMenu: (template) => Menu.buildFromTemplate(template), iconFor },
    {
      api: view.api,
      connection: view.connection,
      onConnection: view.onConnection,
      ...(home ? { home } : {}),
      onAction,
      onClick: () => status.show(),
      advise: (mounts) => recovery.advise(mounts),
    },
  );
  if (host.present === false) {
    console.error(`mount-status-monitor: no tray icon on this desktop (${host.reason}): opening the status window`);
    setNotice(noTrayNotice(host.reason));
    status.show();
  } else if (host.present === 'unknown') {
    console.error(`mount-status-monitor: cannot tell whether this desktop shows tray icons (${host.reason}); assuming it does`);
  }
  const notifications = startNotifications({
    api: view.api,
    policy: new NotificationPolicy({ ...(home ? { home } : {}), now: Date.now }),
    notifier,
    now: Date.now,
  });
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    // Once: stop the probes (the prober and its children are ours to reap), then quit for real.
    closing = true;
    event.preventDefault();
    notifications.stop();
    bridge.dispose();
    tray.dispose();
    const closed = opening.then((s) => s.close()).catch(() => undefined);
    void Promise.race([closed, new Promise((r) => setTimeout(r, CLOSE_MS))]).then(() => app.quit());
  });
}

setupBeforeReady();
