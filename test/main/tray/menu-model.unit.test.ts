import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMenuModel } from '../../../src/main/tray/menu-model.js';
import { EMBEDDED, mount, nfs, snapshot } from '../fixtures.js';

const connected = { state: 'connected' as const };
const NOW = 10 * 60_000;

test('home mount first, other problems by age, then the fixed items', () => {
  const mounts = [
    mount('/', 'ok'),
    nfs('/data', 'nfs2', 'hung', { since: NOW - 120_000 }),
    nfs('/old', 'nfs3', 'error', { since: NOW - 300_000, errno: 'EIO', message: 'input/output error' }),
    nfs('/home', 'nfs1', 'hung', { since: NOW - 30_000 }),
  ];
  const items = buildMenuModel({ snapshot: snapshot(mounts), connection: connected, home: '/home/alice', now: NOW });
  const labels = items.map((i) => i.label);
  assert.equal(labels[0], 'Home /home (nfs1) — not responding for 30 s: did not answer within 10 s');
  assert.equal(items[0]!.home, true);
  assert.deepEqual(items[0]!.action, { id: 'recheck', mountpoint: '/home' });
  assert.equal(labels[1], '/old (nfs3) — failing for 5 min: EIO: input/output error');
  assert.equal(labels[2], '/data (nfs2) — not responding for 2 min: did not answer within 10 s');
  assert.equal(items[3]!.kind, 'separator');
  assert.equal(labels[4], '1 mount OK, 2 not responding, 1 failing');
  assert.deepEqual(labels.slice(-3), ['Recheck now', 'Open status window', 'Quit']);
  assert.deepEqual(items.at(-3)!.action, { id: 'recheck' });
  assert.deepEqual(items.at(-1)!.action, { id: 'quit' });
});

test('no problems: no mount items; helper absent and embedded lines shown', () => {
  const msg = 'helper not running — start it with: sudo systemctl start mount-status-monitor';
  const items = buildMenuModel({ snapshot: snapshot([mount('/', 'ok')], EMBEDDED), connection: { state: 'absent', message: msg }, now: NOW });
  assert.deepEqual(
    items.map((i) => [i.kind, i.label, i.enabled]),
    [
      ['info', '1 mount OK', false],
      ['info', msg, false],
      ['info', 'monitoring in-app as you: probes cannot switch owner', false],
      ['separator', '', false],
      ['normal', 'Recheck now', true],
      ['normal', 'Open status window', true],
      ['normal', 'Quit', true],
    ],
  );
});

test('too many problems: capped with "and K more…" opening the status window', () => {
  const mounts = Array.from({ length: 12 }, (_, i) => nfs(`/m${i}`, 'nfs1', 'hung', { since: i }));
  const items = buildMenuModel({ snapshot: snapshot(mounts), connection: connected, now: NOW, maxProblemItems: 8 });
  assert.equal(items.filter((i) => i.mountpoint).length, 8);
  const more = items.find((i) => i.label === 'and 4 more…');
  assert.deepEqual(more?.action, { id: 'open-status' });
});

test('before any snapshot: recheck disabled, connecting line', () => {
  const items = buildMenuModel({ connection: { state: 'connecting' }, now: NOW });
  assert.equal(items.find((i) => i.label === 'Recheck now')?.enabled, false);
  assert.ok(items.some((i) => i.label === 'connecting to the helper…'));
});

test('a slow home mount: its item says so and who is waiting on it', () => {
  const blocked = { count: 1, processes: [{ pid: 1234, comm: 'firefox', uid: 1000 }] };
  const items = buildMenuModel({ snapshot: snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'slow', { since: NOW - 3000, blocked })]), connection: connected, home: '/home/alice', now: NOW });
  assert.equal(items[0]!.label, 'Home /home (nfs1) — not answering for 3 s; firefox is waiting on it');
});

test("Disconnect PATH under the user's own FUSE mount that does not answer, and only there", () => {
  const own = mount('/mnt/own', 'hung', { fstype: 'fuse.sshfs', source: 'alice@box:/', latencyMs: 10_000 });
  const other = nfs('/proj', 'nfs1', 'hung');
  const advice = [
    { mountId: own.mountId, mountpoint: own.mountpoint, advice: { kind: 'disconnect' as const, label: 'Disconnect', mountpoint: own.mountpoint } },
    { mountId: other.mountId, mountpoint: other.mountpoint, advice: { kind: 'admin' as const, text: 'Only an administrator …', command: 'sudo mountstatus unmount --force /proj' } },
  ];
  const items = buildMenuModel({ snapshot: snapshot([other, own]), connection: connected, now: NOW, advice });
  const at = items.findIndex((i) => i.label === 'Disconnect /mnt/own');
  assert.ok(at > 0, items.map((i) => i.label).join(' | '));
  assert.equal(items[at - 1]!.mountpoint, '/mnt/own', 'right under its mount');
  assert.deepEqual(items[at]!.action, { id: 'disconnect', mountpoint: '/mnt/own' });
  assert.equal(items.filter((i) => i.action?.id === 'disconnect').length, 1, 'nothing to click for the NFS mount');
  // Advice for another mount with the same path (mounted again since) is not this mount's.
  const stale = [{ ...advice[0]!, mountId: own.mountId + 1000 }];
  assert.equal(buildMenuModel({ snapshot: snapshot([own]), connection: connected, now: NOW, advice: stale }).filter((i) => i.action?.id === 'disconnect').length, 0);
});

test('a path the helper cut and mounts it left out are said plainly', () => {
  const cut = nfs('/deep/aaa…[768123 bytes, sha256 3f2a9c0e1b7d]…zzz', 'nfs1', 'hung', { truncated: { mountpoint: 768123 } });
  const snap = { ...snapshot([mount('/', 'ok'), cut]), omitted: 1200 };
  const labels = buildMenuModel({ snapshot: snap, connection: connected, now: NOW }).map((i) => i.label);
  assert.equal(labels[0], '/deep/aaa…[768123 bytes, sha256 3f2a9c0e1b7d]…zzz (nfs1, path shortened: 750 KiB) — not responding for 10 min: did not answer within 10 s');
  const summary = labels.indexOf('1 mount OK, 1 not responding');
  assert.equal(labels[summary + 1], '1200 more mounts not shown: too many for one reply from the helper');
});
