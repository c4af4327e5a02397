// The Electron glue with Electron-shaped fakes (inject app/Tray objects, never stub globals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Menu, MenuItemConstructorOptions, NativeImage } from 'electron';
import type { MonitorApi, MonitorEvent, Snapshot } from '../../../src/common/monitor-api.js';
import { setupTray, toMenuTemplate } from '../../../src/main/electron/tray-controller.js';
import { setupAppPaths, setupSingleInstance } from '../../../src/main/electron/app-setup.js';
import { statusWindowOptions } from '../../../src/main/electron/status-window.js';
import { appDirs } from '../../../src/main/app-paths.js';
import type { MenuAction } from '../../../src/main/tray/menu-model.js';
import { EMBEDDED, mount, nfs, snapshot } from '../fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';

function fakeApi(initial: Snapshot) {
  let snap = initial;
  const listeners = new Set<(e: MonitorEvent) => void>();
  const rechecks: (string | undefined)[] = [];
  const api: MonitorApi = {
    snapshot: async () => snap,
    onChange(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    recheck: async (mp) => {
      rechecks.push(mp);
      return { started: [], skipped: [] };
    },
  };
  return {
    api,
    rechecks,
    set(next: Snapshot, event: MonitorEvent) {
      snap = next;
      for (const l of listeners) l(event);
    },
  };
}

test('tray: icon, tooltip and menu follow the snapshot; menu clicks become actions', async () => {
  const images: string[] = [];
  const tooltips: string[] = [];
  const menus: MenuItemConstructorOptions[][] = [];
  const actions: MenuAction[] = [];
  let destroyed = false;
  let clicked = 0;
  let onClick: (() => void) | undefined;
  const source = fakeApi(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')], EMBEDDED));
  const tray = setupTray(
    {
      createTray: (icon) => {
        images.push(String(icon));
        return {
          setImage: (i: NativeImage | string) => void images.push(String(i)),
          setToolTip: (t: string) => void tooltips.push(t),
          setContextMenu: (m: Menu | null) => void menus.push(m as unknown as MenuItemConstructorOptions[]),
          destroy: () => void (destroyed = true),
          on: (event: 'click', l: () => void) => void (event === 'click' && (onClick = l)),
        };
      },
      buildMenu: (template) => template as unknown as Menu,
      iconFor: (level) => level as unknown as NativeImage,
    },
    {
      api: source.api,
      connection: () => ({ state: 'absent', message: 'helper not running — start it with: sudo systemctl start mount-status-monitor' }),
      onConnection: () => () => {},
      home: '/home/alice',
      now: () => 60_000,
      onAction: (a) => actions.push(a),
      onClick: () => void clicked++,
      debounceMs: 5,
    },
  );
  onClick?.();
  assert.equal(clicked, 1, "the tray's 'click' (Activate) reaches onClick");
  await tray.refresh();
  assert.equal(tray.level, 'ok');
  assert.deepEqual(images, ['unknown', 'ok']);
  assert.match(tooltips.at(-1)!, /2 mounts OK\nmonitoring in-app as you: probes cannot switch owner/);

  const dead = nfs('/home', 'nfs1', 'hung', { since: 0 });
  source.set(snapshot([mount('/', 'ok'), dead], EMBEDDED), { type: 'mount', mount: dead, previous: 'ok' });
  await sleep(50);
  assert.equal(tray.level, 'dead');
  assert.equal(images.at(-1), 'dead');
  const menu = menus.at(-1)!;
  assert.equal(menu[0]!.label, 'Home /home (nfs1) — not responding for 1 min: did not answer within 10 s');
  menu[0]!.click!(undefined as never, undefined as never, undefined as never);
  menu.find((i) => i.label === 'Quit')!.click!(undefined as never, undefined as never, undefined as never);
  assert.deepEqual(actions, [{ id: 'recheck', mountpoint: '/home' }, { id: 'quit' }]);
  assert.ok(menu.some((i) => i.label === 'helper not running — start it with: sudo systemctl start mount-status-monitor'));
  tray.dispose();
  assert.equal(destroyed, true);
});

test('app paths are set before ready, all under the runtime dir; the second instance quits', () => {
  const calls: string[] = [];
  setupAppPaths(
    {
      setPath: (n: string, p: string) => void calls.push(`${n}=${p}`),
      setAppLogsPath: (p?: string) => void calls.push(`logs=${p}`),
      commandLine: { appendSwitch: (s: string, v?: string) => void calls.push(`--${s}=${v}`) },
    },
    appDirs('/run/user/1000/mount-status-monitor-app'),
  );
  assert.equal(calls.length, 6);
  for (const c of calls) assert.match(c, /=\/run\/user\/1000\/mount-status-monitor-app(\/|$)/);
  assert.ok(calls.includes('--disk-cache-dir=/run/user/1000/mount-status-monitor-app/cache'));

  let quit = 0;
  const second = setupSingleInstance({ requestSingleInstanceLock: () => false, quit: () => void quit++, on: () => undefined }, () => {});
  assert.equal(second, false);
  assert.equal(quit, 1);
  let handler: (() => void) | undefined;
  const first = setupSingleInstance({ requestSingleInstanceLock: () => true, quit: () => void quit++, on: (_e, l) => void (handler = l) }, () => {});
  assert.equal(first, true);
  assert.equal(typeof handler, 'function');
});

test('status window: isolated, sandboxed, no node', () => {
  const o = statusWindowOptions('/x/preload.cjs');
  assert.equal(o.webPreferences?.contextIsolation, true);
  assert.equal(o.webPreferences?.sandbox, true);
  assert.equal(o.webPreferences?.nodeIntegration, false);
  assert.equal(o.webPreferences?.preload, '/x/preload.cjs');
});

test('menu labels: mount names escaped like everywhere else, "&" kept literal for Electron', () => {
  const clicks: unknown[] = [];
  const template = toMenuTemplate(
    [
      { kind: 'normal', label: '/mnt/R&D\nshare\u202egnp.exe: not responding', enabled: true, action: { id: 'recheck', mountpoint: '/mnt/R&D\nshare' } },
      { kind: 'separator', label: '', enabled: false },
    ],
    (a) => clicks.push(a),
  );
  assert.equal(template[0]!.label, '/mnt/R&&D\\012share\\342\\200\\256gnp.exe: not responding');
  (template[0]!.click as () => void)();
  assert.deepEqual(clicks, [{ id: 'recheck', mountpoint: '/mnt/R&D\nshare' }], 'the action keeps the raw mountpoint');
  assert.equal(template[1]!.type, 'separator');
});

test('tray: Disconnect items come from the advice; a failing advice costs only them', async () => {
  const own = mount('/mnt/own', 'hung', { fstype: 'fuse.sshfs', source: 'alice@box:/' });
  const source = fakeApi(snapshot([mount('/', 'ok'), own], EMBEDDED));
  const menus: MenuItemConstructorOptions[][] = [];
  const actions: MenuAction[] = [];
  let failing = false;
  const asked: string[][] = [];
  const tray = setupTray(
    {
      createTray: () => ({ setImage: () => undefined, setToolTip: () => undefined, setContextMenu: (m: Menu | null) => void menus.push(m as unknown as MenuItemConstructorOptions[]), destroy: () => undefined, on: () => undefined }),
      buildMenu: (template) => template as unknown as Menu,
      iconFor: (level) => level as unknown as NativeImage,
    },
    {
      api: source.api,
      connection: () => ({ state: 'connected' }),
      onConnection: () => () => {},
      now: () => 60_000,
      onAction: (a) => actions.push(a),
      advise: async (mounts) => {
        asked.push(mounts.map((m) => m.mountpoint));
        if (failing) throw new Error('cannot read /proc/self/mountinfo');
        return [{ mountId: own.mountId, mountpoint: own.mountpoint, advice: { kind: 'disconnect', label: 'Disconnect', mountpoint: own.mountpoint } }];
      },
    },
  );
  await tray.refresh();
  assert.deepEqual(asked.at(-1), ['/', '/mnt/own'], 'asked with the snapshot the menu is built from');
  const item = menus.at(-1)!.find((i) => i.label === 'Disconnect /mnt/own');
  (item!.click as () => void)();
  assert.deepEqual(actions, [{ id: 'disconnect', mountpoint: '/mnt/own' }]);
  failing = true;
  await tray.refresh();
  const labels = menus.at(-1)!.map((i) => i.label);
  assert.ok(!labels.includes('Disconnect /mnt/own') && labels.includes('Quit'), labels.join(' | '));
  tray.dispose();
});
