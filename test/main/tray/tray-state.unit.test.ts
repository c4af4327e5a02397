import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trayState } from '../../../src/main/tray/tray-state.js';
import { serverOfStatus as serverOf } from '../../../src/common/status-view/server-of-status.js';
import { EMBEDDED, mount, nfs, snapshot, SYSTEM } from '../fixtures.js';

const connected = { state: 'connected' as const };
const absent = { state: 'absent' as const, message: 'helper not running — start it with: sudo systemctl start mount-status-monitor' };

test('all well: ok, counts in the tooltip', () => {
  const s = trayState({ snapshot: snapshot([mount('/', 'ok'), mount('/a', 'ok'), mount('/b', 'idle')]), connection: connected, home: '/root' });
  assert.equal(s.level, 'ok');
  assert.equal(s.summary, '3 mounts OK');
  assert.match(s.tooltip, /^Mount Status Monitor\n3 mounts OK\nmonitoring by the system helper \(pid 1234\)$/);
});

test('another mount dead: degraded; home dead: dead with its own line', () => {
  const mounts = [mount('/', 'ok'), nfs('/home', 'nfs1', 'ok'), nfs('/data', 'nfs2', 'hung'), mount('/x', 'ok')];
  const s = trayState({ snapshot: snapshot(mounts), connection: connected, home: '/home/alice' });
  assert.equal(s.level, 'degraded');
  assert.equal(s.summary, '3 mounts OK, 1 not responding');
  assert.equal(s.home?.mountpoint, '/home');

  mounts[1] = nfs('/home', 'nfs1', 'stuck');
  const d = trayState({ snapshot: snapshot(mounts), connection: connected, home: '/home/alice' });
  assert.equal(d.level, 'dead');
  assert.equal(d.summary, '2 mounts OK, 1 not responding, 1 stuck');
  assert.match(d.tooltip, /your home directory \(\/home\) is stuck/);
});

test('denied alone is degraded; error counts as failing', () => {
  const s = trayState({ snapshot: snapshot([mount('/', 'ok'), mount('/p', 'denied'), mount('/e', 'error', { errno: 'ENOTCONN' })]), connection: connected });
  assert.equal(s.level, 'degraded');
  assert.equal(s.summary, '1 mount OK, 1 failing, 1 access denied');
});

test('no snapshot or nothing checked yet: unknown', () => {
  assert.equal(trayState({ connection: absent }).level, 'unknown');
  assert.match(trayState({ connection: absent }).tooltip, /helper not running — start it with/);
  assert.equal(trayState({ connection: { state: 'connecting' } }).modeText, 'connecting to the helper…');
  const first = trayState({ snapshot: snapshot([mount('/', 'unknown')], SYSTEM, false), connection: connected });
  assert.equal(first.level, 'unknown');
  assert.equal(first.summary, 'first check running…');
});

test('embedded mode says probes cannot switch owner', () => {
  const s = trayState({ snapshot: snapshot([mount('/', 'ok')], EMBEDDED), connection: absent });
  assert.equal(s.modeText, 'monitoring in-app as you: probes cannot switch owner');
  assert.match(s.tooltip, /monitoring in-app as you/);
});

test('server from source: NFS, IPv6, CIFS, sshfs, local', () => {
  assert.equal(serverOf({ source: 'nfs1:/export/home', fstype: 'nfs4' }), 'nfs1');
  assert.equal(serverOf({ source: '[fe80::1]:/export', fstype: 'nfs4' }), 'fe80::1');
  assert.equal(serverOf({ source: '//fileserver/share', fstype: 'cifs' }), 'fileserver');
  assert.equal(serverOf({ source: 'alice@host.example:/srv', fstype: 'fuse.sshfs' }), 'host.example');
  assert.equal(serverOf({ source: 'tmpfs', fstype: 'tmpfs' }), undefined);
  assert.equal(serverOf({ source: '/dev/sda1', fstype: 'ext4' }), undefined);
  assert.equal(serverOf({ source: 'x:/y', fstype: 'nfs', server: 'given' }), 'given');
});

test('home slow: red at once, the tooltip names who is waiting; another mount slow: amber', () => {
  const blocked = { count: 3, processes: [{ pid: 1, comm: 'firefox', uid: 1000 }, { pid: 2, comm: 'thunderbird', uid: 1000 }] };
  const s = trayState({ snapshot: snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'slow', { blocked })]), connection: connected, home: '/home/alice' });
  assert.equal(s.level, 'dead');
  assert.match(s.tooltip, /\nyour home directory \(\/home\) is not answering: firefox and 2 other programs are waiting on it\n/);
  assert.equal(s.summary, '1 mount OK, 1 not answering');
  const other = trayState({ snapshot: snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok'), nfs('/proj', 'nfs2', 'slow')]), connection: connected, home: '/home/alice' });
  assert.equal(other.level, 'degraded');
});

test('the tooltip says how many mounts the helper left out, and that the home path was shortened', () => {
  const home = nfs('/home/…[5000 bytes, sha256 3f2a9c0e1b7d]…', 'nfs1', 'hung', { truncated: { mountpoint: 5000 } });
  const s = trayState({ snapshot: { ...snapshot([home]), omitted: 1 }, connection: { state: 'connected' }, home: `${home.mountpoint}/alice` });
  assert.equal(s.omitted, '1 more mount not shown: too many for one reply from the helper');
  assert.deepEqual(s.tooltip.split('\n'), [
    'Mount Status Monitor',
    `your home directory (${home.mountpoint}, path shortened: 4.9 KiB) is not responding`,
    '0 mounts OK, 1 not responding',
    '1 more mount not shown: too many for one reply from the helper',
    'monitoring by the system helper (pid 1234)',
  ]);
  assert.equal(trayState({ snapshot: snapshot([home]), connection: { state: 'connected' } }).omitted, '');
});

test("the home's NFS server degrading: amber, with the reason in the tooltip; slow still red", () => {
  const degrading = { reason: 'RPC round trip 210 ms, usually 0.4 ms', since: 1 };
  const mounts = [mount('/', 'ok'), nfs('/home', 'nfs1', 'ok', { degrading })];
  const s = trayState({ snapshot: snapshot(mounts), connection: connected, home: '/home/alice' });
  assert.equal(s.level, 'degraded');
  assert.equal(s.summary, '2 mounts OK, 1 with a slow server');
  assert.match(s.tooltip, /your home directory's server is responding slowly \(RPC round trip 210 ms, usually 0\.4 ms\)/);
  const slow = trayState({ snapshot: snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'slow', { degrading })]), connection: connected, home: '/home/alice' });
  assert.equal(slow.level, 'dead', 'degrading never masks slow');
});
