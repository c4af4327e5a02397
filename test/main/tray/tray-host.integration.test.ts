// Does this desktop show tray icons? Asked of a real dbus-daemon session bus (our own D-Bus client,
// src/main/dbus/session-bus.ts), with nobody owning org.kde.StatusNotifierWatcher, with the real
// status-notifier-watcher but no host, with a host registered, after the host left, and with no bus.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { trayHost } from '../../../src/main/tray/tray-host.js';
import { callSessionBus, sessionBusAddress } from '../../../src/main/dbus/session-bus.js';
import { startSessionBus, startTrayHost, trayHostMissing, type SessionBus } from '../../support/dbus-session.js';
import { skipOrFail } from '../../support/namespace.js';

const haveBus = spawnSync('sh', ['-c', 'command -v dbus-daemon && command -v dbus-send']).status === 0;
const skip = skipOrFail(!haveBus ? 'dbus-daemon or dbus-send missing (apt-get install dbus-daemon dbus-bin)' : trayHostMissing());
let bus: SessionBus;
before(async () => {
  if (!skip) bus = await startSessionBus();
});
after(async () => {
  await bus?.stop();
});

const env = () => ({ DBUS_SESSION_BUS_ADDRESS: bus.address, HOME: '/home/alice' });

test('the address: DBUS_SESSION_BUS_ADDRESS (escaped, several entries), else $XDG_RUNTIME_DIR/bus, else none', () => {
  assert.deepEqual(sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'tcp:host=x,port=1;unix:path=/run/user/1000/b%2cus,guid=ab' }), { path: '/run/user/1000/b,us' });
  assert.deepEqual(sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/tmp/dbus-XYZ,guid=1' }), { abstract: '/tmp/dbus-XYZ' });
  assert.deepEqual(sessionBusAddress({ XDG_RUNTIME_DIR: '/run/user/1000/' }), { path: '/run/user/1000/bus' });
  assert.ok('none' in sessionBusAddress({}));
  assert.ok('none' in sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'tcp:host=localhost,port=4' }));
});

test('the client speaks D-Bus: a call that errors comes back as an error, with its name', { skip }, async () => {
  const address = sessionBusAddress(env());
  assert.ok(!('none' in address));
  const [reply] = await callSessionBus(address, [{ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'GetNameOwner', args: ['org.example.Nobody'] }], 2000);
  assert.equal(reply?.ok, false);
  assert.equal(!reply!.ok && reply.error, 'org.freedesktop.DBus.Error.NameHasNoOwner');
});

test('nobody owns org.kde.StatusNotifierWatcher: no tray host (stock GNOME)', { skip }, async () => {
  assert.deepEqual(await trayHost(env()), { present: false, reason: 'no program owns org.kde.StatusNotifierWatcher on the session bus' });
});

test('the watcher runs but no host registered: no tray host; with a host: present; when it leaves: gone again', { skip }, async () => {
  const watcherOnly = await startTrayHost(bus.address, { host: false });
  try {
    assert.deepEqual(await trayHost(env()), { present: false, reason: 'org.kde.StatusNotifierWatcher runs, but no tray host has registered with it' });
  } finally {
    await watcherOnly.stop();
  }
  const full = await startTrayHost(bus.address);
  try {
    assert.deepEqual(await trayHost(env()), { present: true });
  } finally {
    await full.stop();
  }
  assert.equal((await trayHost(env())).present, false);
});

test('no session bus at all: no tray host, and the reason says so', { skip }, async () => {
  const none = await trayHost({ HOME: '/home/alice' });
  assert.equal(none.present, false);
  assert.match(none.present === false ? none.reason : '', /^there is no session bus/);
  const gone = await trayHost({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/msm-tray-bus' });
  assert.equal(gone.present, false);
  assert.match(gone.present === false ? gone.reason : '', /^there is no session bus \(.*ENOENT/);
});

test('a bus socket inside the home directory is never connected to', async () => {
  const r = await trayHost({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/home/alice/.bus', HOME: '/home/alice' });
  assert.equal(r.present, 'unknown');
});
