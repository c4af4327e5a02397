// The app's real entry point (package.json "main") run under Node with `electron` resolved to a
// recording stand-in (test/support/electron-stand-in/), as an unprivileged user whose home directory is a
// FUSE mount, on a real D-Bus session: the start-up order, the tray and its menu, the status window and
// its IPC, the window opened when the desktop has no tray host, a start-up failure, recheck and quit.
// Electron itself never runs here (its binary cannot be downloaded): this checks our wiring, not Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IpcChannel } from '../../../src/common/ipc-channels.js';
import type { Snapshot } from '../../../src/common/monitor-api.js';
import type { AppUnderTest } from '../../support/electron-app.js';
import type { Call } from '../../support/electron-stand-in/electron.js';
import { notificationStackMissing, startTrayHost, trayHostMissing } from '../../support/dbus-session.js';
import { fuseFixtureUnavailable } from '../../support/fuse-fixture.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { startAppWorld, type AppWorld } from './app-fixture.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(!ns.canMount ? ns.reason : (fuseFixtureUnavailable() ?? notificationStackMissing() ?? trayHostMissing()));

let world: AppWorld;
before(async () => {
  if (!skip) world = await startAppWorld();
});
after(async () => {
  await world?.stop();
});

const index = (app: AppUnderTest, match: (c: Call) => boolean, what: string): number => {
  const i = app.calls.findIndex(match);
  assert.ok(i >= 0, `${what} happened:\n${app.calls.map((c) => c.what).join('\n')}`);
  return i;
};
const lastMenu = (app: AppUnderTest) => app.named('Tray.setContextMenu').at(-1)!.args[0] as { label: string; enabled: boolean }[];

test('start-up with a tray host: order, home-free environment, tray and menu, window on click, recheck, quit', { skip }, async () => {
  const host = await startTrayHost(world.session.env.DBUS_SESSION_BUS_ADDRESS);
  let app: AppUnderTest | undefined;
  try {
    app = world.start();
    await app.waitFor((c) => c.what === 'Tray.setContextMenu' && JSON.stringify(c.args).includes('mounts OK'), 'a tray menu with the first results');

    // 1. directories off the home, before anything else; 2. the lock; 3. IPC handlers; then ready; then the tray.
    const firstPath = index(app, (c) => c.what === 'app.setPath', 'setPath');
    const lock = index(app, (c) => c.what === 'app.requestSingleInstanceLock', 'the single-instance lock');
    const snapshotHandler = index(app, (c) => c.what === 'ipcMain.handle' && c.args[0] === IpcChannel.Snapshot, 'the snapshot handler');
    const ready = index(app, (c) => c.what === 'app.ready', 'ready');
    const tray = index(app, (c) => c.what === 'Tray.new', 'the tray');
    assert.ok(firstPath < lock && lock < snapshotHandler && snapshotHandler < ready && ready < tray, `order: setPath ${firstPath}, lock ${lock}, handlers ${snapshotHandler}, ready ${ready}, tray ${tray}`);
    for (const c of [...app.named('app.setPath'), ...app.named('app.setAppLogsPath')]) {
      assert.ok(String(c.args.at(-1)).startsWith(`${world.runtimeDir}/mount-status-monitor-app`), `${c.what} ${JSON.stringify(c.args)} under the runtime dir`);
    }
    const env = app.named('app.ready')[0]!.args[0] as { cwd: string; HOME: string; PWD: string; MSM_HOME: string };
    assert.deepEqual(env, { cwd: '/', HOME: `${world.runtimeDir}/mount-status-monitor-app/home`, PWD: '/', MSM_HOME: world.home });
    assert.deepEqual(
      app.named('ipcMain.handle').map((c) => c.args[0]).sort(),
      Object.values(IpcChannel).filter((c) => c !== IpcChannel.Changed && c !== IpcChannel.ConnectionChanged).sort(),
    );
    assert.ok(app.named('nativeImage.createFromPath').every((c) => c.args[1] === true), 'every tray icon is a PNG that exists');
    assert.deepEqual(app.named('Tray.on').map((c) => c.args[0]), ['click']);
    assert.equal(app.named('BrowserWindow.new').length, 0, 'a tray host exists: no window at start');

    const menu = lastMenu(app);
    const labels = menu.map((i) => i.label);
    assert.deepEqual(labels.slice(-3), ['Recheck now', 'Open status window', 'Quit']);
    assert.ok(labels.some((l) => /^\d+ mounts? OK/.test(l)), labels.join(' | '));
    assert.ok(labels.includes('monitoring in-app as you: probes cannot switch owner'), labels.join(' | '));
    assert.match(String(app.named('Tray.setToolTip').at(-1)!.args[0]), /^Mount Status Monitor\n\d+ mounts? OK/);

    // A click on the icon opens the window; it is locked down and loads the built page.
    await app.command({ cmd: 'click-tray' });
    const created = await app.waitFor((c) => c.what === 'BrowserWindow.new', 'the status window');
    const prefs = (created.args[0] as { webPreferences: Record<string, unknown> }).webPreferences;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal((await app.waitFor((c) => c.what === 'BrowserWindow.loadFile', 'loadFile')).args[1], true, 'index.html exists');
    await app.waitFor((c) => c.what === 'BrowserWindow.show', 'shown when ready');

    // The window's IPC: its own requests answered, a stranger's refused.
    const snap = (await app.command({ cmd: 'invoke', channel: IpcChannel.Snapshot, args: [] })) as Snapshot;
    assert.equal(snap.identity.mode, 'embedded');
    assert.ok(snap.mounts.some((m) => m.mountpoint === world.home && m.state === 'ok'), 'the home mount, answering');
    assert.equal(await app.command({ cmd: 'invoke', channel: IpcChannel.HomeDirectory, args: [] }), world.home);
    assert.equal(await app.command({ cmd: 'invoke', channel: IpcChannel.AppNotice, args: [] }), undefined, 'no notice: the tray shows');
    await assert.rejects(app.command({ cmd: 'invoke', channel: IpcChannel.Snapshot, args: [], sender: 'stranger' }), /not the status window/);

    // Recheck from the menu reaches the monitor: a fresh probe of the home mount is pushed to the window.
    const before = app.calls.length;
    await app.command({ cmd: 'click-menu', label: 'Recheck now' });
    const a = app;
    await a.waitFor((c) => a.calls.indexOf(c) >= before && c.what === 'webContents.send' && JSON.stringify(c.args).includes(world.home), 'a change pushed to the window after the recheck');

    // The window closed: later changes are not sent to it (isDestroyed), and nothing breaks.
    await app.command({ cmd: 'close-window' });
    const sentAtClose = app.named('webContents.send').length;
    await app.command({ cmd: 'click-menu', label: 'Recheck now' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(app.named('webContents.send').length, sentAtClose, 'nothing sent to a closed window');

    // Quit from the menu: the source is closed first (before-quit held once), then the app exits 0.
    await app.command({ cmd: 'click-menu', label: 'Quit' });
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, app.output());
    assert.equal(app.named('app.quit.prevented').length, 1, 'the first quit waits for the monitor to stop');
    assert.ok(app.named('app.quit').length >= 2);
    assert.equal(app.named('Tray.destroy').length, 1);
    assert.ok(app.named('ipcMain.removeHandler').length >= 8);
    assert.doesNotMatch(app.output(), /Uncaught|UnhandledPromiseRejection|TypeError/);
  } finally {
    await app?.kill();
    await host.stop();
  }
});

test('no tray host on the session bus: the status window opens at start and says why; Quit from it', { skip }, async () => {
  const app = world.start();
  try {
    await app.waitFor((c) => c.what === 'BrowserWindow.show', 'the status window shown at start');
    assert.ok(app.named('Tray.new').length === 1, 'the tray is still made (a legacy tray may show it)');
    const notice = String(await app.command({ cmd: 'invoke', channel: IpcChannel.AppNotice, args: [] }));
    assert.match(notice, /no program owns org\.kde\.StatusNotifierWatcher on the session bus/);
    assert.match(notice, /gnome-shell-extension-appindicator/);
    assert.match(app.output(), /no tray icon on this desktop/);
    await app.command({ cmd: 'invoke', channel: IpcChannel.Quit, args: [] });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.output());
  } finally {
    await app.kill();
  }
});

test('no session bus at all: the window opens too', { skip }, async () => {
  const app = world.start({ DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: world.runtimeDir });
  try {
    await app.waitFor((c) => c.what === 'BrowserWindow.show', 'the status window shown at start');
    assert.match(String(await app.command({ cmd: 'invoke', channel: IpcChannel.AppNotice, args: [] })), /there is no session bus/);
    await app.command({ cmd: 'quit' });
    assert.equal((await app.exited).code, 0);
  } finally {
    await app.kill();
  }
});

test('a start-up failure is logged and notified, and the process exits 1 without a tray or the lock', { skip }, async () => {
  // Someone else's directory where the app's runtime directory goes (app-paths.ts refuses it).
  const planted = join(world.runtimeDir, 'mount-status-monitor-app');
  mkdirSync(planted, { recursive: true });
  chownSync(planted, 0, 0);
  const app = world.start();
  try {
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 1, signal: null }, app.output());
    assert.match(app.output(), /mount-status-monitor: cannot start \(preparing its directories\): .*belongs to uid 0/);
    const shown = app.named('Notification.show');
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.args[0], 'Mount Status Monitor could not start');
    assert.equal(app.named('app.exit')[0]?.args[0], 1);
    assert.equal(app.named('Tray.new').length, 0);
    assert.equal(app.named('app.requestSingleInstanceLock').length, 0);
  } finally {
    await app.kill();
    chownSync(planted, world.user.uid, world.user.gid);
  }
});
