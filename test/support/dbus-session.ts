// A private desktop-notification stack for tests, every process ours (own PIDs, killed and reaped in
// stop()):
//   Xvfb -displayfd            a headless X server (notification-daemon is a GTK program and needs one);
//   dbus-daemon --nofork       a session bus with a config of our own: no service directories, so nothing
//                              is auto-activated behind our back (at-spi etc.);
//   notification-daemon        Debian's reference org.freedesktop.Notifications server;
//   dbus-monitor               captures every Notify method call: app_name, summary, body, hints.urgency.
// screenshot() takes what notification-daemon drew on the X screen (python3-gi's Gdk, cropped to it).
// Debian packages: xvfb, dbus-daemon, dbus-bin (dbus-monitor, dbus-send), notification-daemon, libnotify-bin,
// python3-gi, gir1.2-gtk-3.0.
//
// Also a bare session bus (startSessionBus) and a tray host on it (startTrayHost): the real
// `status-notifier-watcher` (haskell-status-notifier-item-utils) owning org.kde.StatusNotifierWatcher,
// and a StatusNotifierHost of ours in Python (python3-gi) that registers with it, as a panel does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NOTIFICATION_DAEMON = '/usr/lib/notification-daemon/notification-daemon';

/** One Notify call as seen on the bus. */
export interface CapturedNotify {
  appName: string;
  replacesId: number;
  icon: string;
  summary: string;
  body: string;
  /** hints["urgency"]: 0 low, 1 normal, 2 critical (Desktop Notifications Specification). */
  urgency: number | undefined;
  expireTimeout: number;
}

export interface NotificationSession {
  /** DBUS_SESSION_BUS_ADDRESS and DISPLAY, to merge into process.env (notify-send inherits it). */
  env: { DBUS_SESSION_BUS_ADDRESS: string; DISPLAY: string };
  captured: CapturedNotify[];
  /** Resolves when `count` Notify calls have been captured in total; rejects after timeoutMs. */
  waitForCount(count: number, timeoutMs?: number): Promise<CapturedNotify[]>;
  /** Saves what is drawn on the screen (the popups: the rest is black) as a PNG cropped to it, the black
   * around it transparent; resolves with its size, 0×0 when nothing is drawn. */
  screenshot(path: string): Promise<{ width: number; height: number }>;
  stop(): Promise<void>;
}

/** Why the stack cannot start here, or undefined when every program is installed. */
export function notificationStackMissing(): string | undefined {
  const need = ['Xvfb', 'dbus-daemon', 'dbus-monitor', 'dbus-send', 'notify-send'];
  const missing = need.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
  if (spawnSync('test', ['-x', NOTIFICATION_DAEMON]).status !== 0) missing.push(NOTIFICATION_DAEMON);
  if (spawnSync('/usr/bin/python3', ['-c', 'import gi; gi.require_version("Gdk", "3.0")']).status !== 0) missing.push("python3-gi's Gdk 3");
  return missing.length ? `missing ${missing.join(', ')} (apt-get install xvfb dbus-daemon dbus-bin notification-daemon libnotify-bin python3-gi gir1.2-gtk-3.0)` : undefined;
}

function readFirstLine(child: ChildProcess, stream: NodeJS.ReadableStream, what: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no output within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(buf.slice(0, nl).trim());
      }
    };
    stream.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready`));
    });
  });
}

/** Parses dbus-monitor's text output into Notify calls. Exported for a unit test of the parser. */
export function parseNotifyCalls(text: string): CapturedNotify[] {
  const out: CapturedNotify[] = [];
  // Messages start at column 0; their arguments are indented. (A string argument with a newline would
  // break this split: our bodies are single-line, see src/main/notify/messages.ts.)
  const blocks = text.split(/\n(?=\S)/);
  for (const block of blocks) {
    if (!/^method call .*member=Notify\b/.test(block)) continue;
    // Complete once its last argument (expire_timeout, int32) has arrived.
    if (!/\n {3}int32 -?\d+\s*$/.test(block)) continue;
    const lines = block.split('\n').slice(1);
    // Top-level arguments are indented by exactly three spaces.
    const top: string[] = [];
    for (const l of lines) {
      if (/^ {3}\S/.test(l)) top.push(l.trim());
    }
    const str = (s: string | undefined) => (s ? s.replace(/^string "/, '').replace(/"$/, '') : '');
    const num = (s: string | undefined) => Number(/(-?\d+)\s*$/.exec(s ?? '')?.[1] ?? NaN);
    const urgency = /string "urgency"\s*\n\s*variant\s+byte (\d+)/.exec(block)?.[1];
    out.push({
      appName: str(top[0]),
      replacesId: num(top[1]),
      icon: str(top[2]),
      summary: str(top[3]),
      body: str(top[4]),
      urgency: urgency === undefined ? undefined : Number(urgency),
      expireTimeout: num(top.at(-1)),
    });
  }
  return out;
}

// <allow user="*"/>: the bus runs as root (the test) while the app under test may run as another user.
const BUS_CONFIG = (dir: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/** A bare session bus of ours (no services), reachable by every user. */
export interface SessionBus {
  address: string;
  stop(): Promise<void>;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([exited, sleep(2000)]);
  if (c.exitCode === null && c.signalCode === null) {
    c.kill('SIGKILL');
    await exited;
  }
}

export async function startSessionBus(): Promise<SessionBus> {
  const dir = mkdtempSync(join(tmpdir(), 'msm-tray-bus-'));
  chmodSync(dir, 0o711);
  writeFileSync(join(dir, 'session.conf'), BUS_CONFIG(dir));
  const bus = spawn('dbus-daemon', ['--config-file', join(dir, 'session.conf'), '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const address = await readFirstLine(bus, bus.stdout!, 'dbus-daemon');
    return {
      address,
      async stop() {
        await stopChild(bus);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopChild(bus);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export const TRAY_WATCHER = '/usr/bin/status-notifier-watcher';

/** Why startTrayHost cannot run here, or undefined. */
export function trayHostMissing(): string | undefined {
  if (spawnSync('test', ['-x', TRAY_WATCHER]).status !== 0) return `${TRAY_WATCHER} missing (apt-get install haskell-status-notifier-item-utils)`;
  const gi = spawnSync('/usr/bin/python3', ['-c', 'import gi; gi.require_version("Gio", "2.0"); from gi.repository import Gio']);
  if (gi.status !== 0) return 'python3-gi missing (apt-get install python3-gi gir1.2-glib-2.0)';
  return undefined;
}

// The X screen as Gdk sees it, cropped to what is not black (with a margin), black made transparent;
// prints the picture's width and height.
const SCREENSHOT_PY = `
import sys, gi
gi.require_version('Gdk', '3.0')
from gi.repository import Gdk
root = Gdk.get_default_root_window()
w, h = root.get_width(), root.get_height()
shot = Gdk.pixbuf_get_from_window(root, 0, 0, w, h)
px, stride, n = shot.get_pixels(), shot.get_rowstride(), shot.get_n_channels()
x0, y0, x1, y1 = w, h, -1, -1
for y in range(h):
    row = px[y * stride:y * stride + w * n]
    lit = [x for x in range(w) if row[x * n] or row[x * n + 1] or row[x * n + 2]]
    if lit:
        x0, x1, y0, y1 = min(x0, lit[0]), max(x1, lit[-1]), min(y0, y), y
if x1 < 0:
    print(0, 0)
    sys.exit(0)
m = 6
x0, y0, x1, y1 = max(0, x0 - m), max(0, y0 - m), min(w - 1, x1 + m), min(h - 1, y1 + m)
shot.new_subpixbuf(x0, y0, x1 - x0 + 1, y1 - y0 + 1).add_alpha(True, 0, 0, 0).savev(sys.argv[1], 'png', [], [])
print(x1 - x0 + 1, y1 - y0 + 1)
`;

// A StatusNotifierHost as a panel is one (StatusNotifierItem spec): owns its name, registers with the
// watcher, says "ready" and stays until killed.
const HOST_PY = `
import os, gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
name = 'org.kde.StatusNotifierHost-%d' % os.getpid()
bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName', GLib.Variant('(su)', (name, 4)), None, 0, -1, None)
bus.call_sync('org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher', 'org.kde.StatusNotifierWatcher', 'RegisterStatusNotifierHost', GLib.Variant('(s)', (name,)), None, 0, -1, None)
print('ready', flush=True)
GLib.MainLoop().run()
`;
import { setTimeout as sleep } from 'node:timers/promises';

/** The watcher's name has an owner on the bus at `address` (asked with dbus-send, not our client). */
function watcherOwned(address: string): boolean {
  const r = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.kde.StatusNotifierWatcher'], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
    encoding: 'utf8',
  });
  return /boolean true/.test(r.stdout);
}

/**
 * Starts status-notifier-watcher on the bus and, unless `host` is false, a host that registers with it.
 * Resolves once the watcher owns its name (and the host has registered).
 */
export async function startTrayHost(address: string, options: { host?: boolean } = {}): Promise<{ stop(): Promise<void> }> {
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of children.reverse()) await stopChild(c);
  };
  try {
    const watcher = spawn(TRAY_WATCHER, [], { stdio: 'ignore', env });
    children.push(watcher);
    const end = Date.now() + 10_000;
    while (!watcherOwned(address)) {
      if (watcher.exitCode !== null) throw new Error(`status-notifier-watcher exited with ${watcher.exitCode}`);
      if (Date.now() > end) throw new Error('status-notifier-watcher did not take org.kde.StatusNotifierWatcher within 10 s');
      await sleep(50);
    }
    if (options.host !== false) {
      const host = spawn('/usr/bin/python3', ['-c', HOST_PY], { stdio: ['ignore', 'pipe', 'inherit'], env });
      children.push(host);
      await readFirstLine(host, host.stdout!, 'the StatusNotifierHost');
    }
    return { stop };
  } catch (e) {
    await stop();
    throw e;
  }
}


export async function startNotificationSession(): Promise<NotificationSession> {
  const dir = mkdtempSync(join(tmpdir(), 'msm-dbus-'));
  // Others may connect (the policy allows every user): the app under test may run as another user.
  chmodSync(dir, 0o711);
  const children: ChildProcess[] = [];
  const kill = async () => {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Xvfb picks a free display and writes its number to fd 3 (-displayfd, Xserver(1)).
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '800x600x24'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    children.push(xvfb);
    const display = `:${await readFirstLine(xvfb, xvfb.stdio[3] as NodeJS.ReadableStream, 'Xvfb')}`;

    writeFileSync(join(dir, 'session.conf'), BUS_CONFIG(dir));
    const bus = spawn('dbus-daemon', ['--config-file', join(dir, 'session.conf'), '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(bus);
    const address = await readFirstLine(bus, bus.stdout!, 'dbus-daemon');
    const env = { DBUS_SESSION_BUS_ADDRESS: address, DISPLAY: display };
    const childEnv = { ...process.env, ...env, NO_AT_BRIDGE: '1', GTK_A11Y: 'none' };

    const monitor = spawn('dbus-monitor', ['--session', "interface='org.freedesktop.Notifications',member='Notify'"], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: childEnv,
    });
    children.push(monitor);
    let text = '';
    const captured: CapturedNotify[] = [];
    const waiters: (() => void)[] = [];
    monitor.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const calls = parseNotifyCalls(text);
      captured.splice(0, captured.length, ...calls);
      for (const w of waiters.splice(0)) w();
    });
    await readFirstLine(monitor, monitor.stdout!, 'dbus-monitor');

    const server = spawn(NOTIFICATION_DAEMON, [], { stdio: 'ignore', env: childEnv });
    children.push(server);
    // Ready when it owns the well-known name.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.Notifications'], { env: childEnv, encoding: 'utf8' });
      if (/boolean true/.test(r.stdout)) break;
      if (server.exitCode !== null) throw new Error(`notification-daemon exited with ${server.exitCode}`);
      if (Date.now() > deadline) throw new Error('notification-daemon did not take org.freedesktop.Notifications within 10 s');
      await sleep(100);
    }

    return {
      env,
      captured,
      async waitForCount(count, timeoutMs = 10_000) {
        const end = Date.now() + timeoutMs;
        while (captured.length < count) {
          if (Date.now() > end) throw new Error(`expected ${count} Notify calls, saw ${captured.length}: ${JSON.stringify(captured.map((c) => c.summary))}`);
          await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(200)]);
        }
        return captured.slice();
      },
      async screenshot(path) {
        const r = spawnSync('/usr/bin/python3', ['-c', SCREENSHOT_PY, path], { env: childEnv, encoding: 'utf8', timeout: 30_000 });
        if (r.status !== 0) throw new Error(`screenshot: ${r.error?.message ?? r.stderr}`);
        const [width, height] = r.stdout.trim().split(' ').map(Number);
        return { width: width!, height: height! };
      },
      stop: kill,
    };
  } catch (e) {
    await kill();
    throw e;
  }
}
