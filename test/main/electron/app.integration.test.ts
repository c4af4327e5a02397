// The app's real entry point (package.json "main") run under Node with `electron` resolved to a
// recording stand-in (test/support/electron-stand-in/), as an unprivileged user whose home directory is a
// FUSE mount, on a real D-Bus session: the start-up order, the tray and its menu, the status window and
// its IPC, the window opened when the desktop has no tray host, a start-up failure, recheck and quit; and
// Disconnect of the user's own FUSE mount when it freezes.
// Electron itself never runs here (its binary cannot be downloaded): this checks our wiring, not Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IpcChannel } from '../../../src/common/ipc-channels.js';
import type { Snapshot } from '../../../src/common/monitor-api.js';
import type { MountAdvice } from '../../../src/common/recovery.js';
import type { AppUnderTest } from '../../support/electron-app.js';
import type { Call } from '../../support/electron-stand-in/electron.js';
import { notificationStackMissing, startTrayHost, trayHostMissing } from '../../support/dbus-session.js';
import { fuseFixtureUnavailable, openDevFuse, startFuseFixture } from '../../support/fuse-fixture.js';
import { listMounts } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { startAppWorld, type AppWorld } from './app-fixture.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(!ns.canMount ? ns.reason : (fuseFixtureUnavailable() ?? notificationStackMissing() ?? trayHostMissing()));
const noFusermount = spawnSync('fusermount3', ['-V']).error ? 'fusermount3 is missing: apt-get install fuse3' : undefined;

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
    await sleep(1500);
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

test("the user's own FUSE mount freezes: the menu offers Disconnect, which frees a blocked reader and takes the mount away", { skip: skip || skipOrFail(noFusermount) }, async () => {
  const { user } = world;
  // As on a desktop: /dev/fuse open to users and fusectl mounted (this namespace only; here /dev/fuse is 0600).
  openDevFuse(mkdtempSync(join(tmpdir(), 'msm-tray-devfuse-')));
  if (!listMounts().some((m) => m.fstype === 'fusectl')) {
    const r = spawnSync('mount', ['-t', 'fusectl', 'none', '/sys/fs/fuse/connections'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  // Mounted by the user through fusermount3, without allow_other, as sshfs does: user_id= is theirs.
  const own = await startFuseFixture(join(dirname(world.home), 'remote'), { user: { uid: user.uid, gid: user.gid }, allowOther: false, fsname: `${user.name}@build-box:/srv`, subtype: 'sshfs' });
  const host = await startTrayHost(world.session.env.DBUS_SESSION_BUS_ADDRESS);
  const reader = spawn('sh', ['-c', 'cd "$1" && echo ready && read go && exec cat hello.txt', '-', own.mountpoint], { uid: user.uid, gid: user.gid, stdio: ['pipe', 'pipe', 'pipe'] });
  const readerExit = new Promise<number>((resolve) => reader.once('exit', () => resolve(Date.now())));
  let app: AppUnderTest | undefined;
  let sampling: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      reader.stdout!.once('data', () => resolve());
      reader.once('exit', (code) => reject(new Error(`the reader could not enter ${own.mountpoint} (exit ${code})`)));
    });
    await own.freeze();
    reader.stdin!.write('go\n');
    await sleep(500);
    assert.equal(reader.exitCode, null, 'the reader is stuck on the frozen mount');

    app = world.start();
    // The app's own process never waits on the mount: none of its threads ever waits on FUSE meanwhile.
    const blockedThreads: string[] = [];
    const pid = app.pid;
    sampling = setInterval(() => {
      // A thread in D state waiting on FUSE (its wait channel names it) is what must never happen; a
      // moment in D elsewhere (a page-in from a disk shared with a busy machine) is printed, not failed.
      const waits = inDState(pid);
      if (waits.length === 0) return;
      if (waits.some((w) => /fuse|request_wait/.test(w))) blockedThreads.push(waits.join(' '));
      else console.log(`# a moment in D state, not on FUSE: ${waits.join(' ')}`);
    }, 100);
    const label = `Disconnect ${own.mountpoint}`;
    const a = app;
    await a.waitFor((c) => c.what === 'Tray.setContextMenu' && (c.args[0] as { label: string }[] | null)?.some((i) => i.label === label) === true, 'Disconnect in the menu', 40_000);
    const menu = lastMenu(a).map((i) => i.label);
    const at = menu.indexOf(label);
    // The user named it user@build-box:/srv, but a user's own mount is never counted as a server's.
    assert.match(menu[at - 1] ?? '', new RegExp(`^${own.mountpoint} — not (responding|answering) for`), 'right under its mount, with no server');
    assert.equal(menu.filter((l) => l.startsWith('Disconnect ')).length, 1, 'only for the user\'s own mount');

    // The window's view of it, through the preload's channel: the same advice.
    await a.command({ cmd: 'click-tray' });
    await a.waitFor((c) => c.what === 'BrowserWindow.show', 'the status window');
    const advice = (await a.command({ cmd: 'invoke', channel: IpcChannel.RecoveryAdvice, args: [] })) as MountAdvice[];
    assert.deepEqual(advice.find((x) => x.mountpoint === own.mountpoint), { mountId: own.mountId, mountpoint: own.mountpoint, advice: { kind: 'disconnect', label: 'Disconnect', mountpoint: own.mountpoint } });
    await assert.rejects(a.command({ cmd: 'invoke', channel: IpcChannel.Disconnect, args: [own.mountpoint], sender: 'stranger' }), /not the status window/);

    const clicked = Date.now();
    const callsBefore = a.calls.length;
    await a.command({ cmd: 'click-menu', label });
    const freedMs = (await readerExit) - clicked;
    console.log(`# the user's blocked reader was freed ${freedMs} ms after Disconnect in the tray menu`);
    assert.ok(freedMs <= 3000, `freed after ${freedMs} ms`);
    for (let i = 0; i < 100 && listMounts().some((m) => m.id === own.mountId); i++) await sleep(100);
    assert.equal(listMounts().some((m) => m.id === own.mountId), false, 'the mount is gone');
    const shown = await waitForNotification(`Disconnected ${own.mountpoint}`);
    assert.match(shown.body, /aborted FUSE connection \d+: .*; fusermount3 -u -z: .* is unmounted\./);
    await a.waitFor(
      (c) => c.what === 'Tray.setContextMenu' && a.calls.indexOf(c) >= callsBefore && !JSON.stringify(c.args).includes(own.mountpoint),
      'a menu without the mount',
    );
    clearInterval(sampling);
    assert.deepEqual(blockedThreads, [], 'the app\'s threads never blocked on the mount');
    assert.match(a.output(), /disconnect ".*remote": gone/);
    assert.doesNotMatch(a.output(), /Uncaught|UnhandledPromiseRejection|TypeError/);
  } finally {
    clearInterval(sampling);
    reader.kill('SIGKILL');
    await app?.kill();
    await own.stop();
    await host.stop();
  }
});

/** The wait channels of the process's threads now in D state (proc(5)). */
function inDState(pid: number): string[] {
  const waits: string[] = [];
  for (const tid of (() => {
    try {
      return readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  })()) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      if (stat.charAt(stat.lastIndexOf(')') + 2) === 'D') waits.push(readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8') || '?');
    } catch {
      // the thread ended meanwhile
    }
  }
  return waits;
}

/** Resolves with the first notification titled `summary` the session's server is sent. */
async function waitForNotification(summary: string) {
  for (let count = 1; ; count++) {
    const all = await world.session.waitForCount(count, 15_000);
    const hit = all.find((n) => n.summary === summary);
    if (hit) return hit;
  }
}
