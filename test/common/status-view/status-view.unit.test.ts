import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountStatus } from '../../../src/common/mount.js';
import { serverFromSource, serverOfStatus } from '../../../src/common/status-view/server-of-status.js';
import { bytesInWords, durationInWords, forDuration, latencyInWords } from '../../../src/common/status-view/durations.js';
import { errnoInWords, problemInWords } from '../../../src/common/status-view/problem-words.js';
import { groupMounts, homeMountOf } from '../../../src/common/status-view/ordering.js';
import { isUnder } from '../../../src/common/mount-table/path-to-mount.js';
import { matchesFilter } from '../../../src/common/status-view/filter.js';
import { LatencyHistory } from '../../../src/common/status-view/latency-history.js';
import { MountStore } from '../../../src/common/status-view/mount-store.js';
import { displayText } from '../../../src/common/status-view/display-text.js';
import { omittedInWords, pathShortenedInWords, shortenedInWords } from '../../../src/common/status-view/cut-words.js';

const NOW = 1_700_000_000_000;
let nextId = 100;
function m(mountpoint: string, source: string, fstype: string, extra: Partial<MountStatus> = {}): MountStatus {
  return { mountpoint, source, fstype, mountId: nextId++, state: 'ok', since: NOW - 60_000, ...extra };
}

test('server parsed from NFS, CIFS and sshfs sources; local ones have none', () => {
  assert.equal(serverFromSource('nfs1:/export/home', 'nfs4'), 'nfs1');
  assert.equal(serverFromSource('nfs1.example.org:/export', 'nfs'), 'nfs1.example.org');
  assert.equal(serverFromSource('[fe80::1]:/export', 'nfs4'), 'fe80::1');
  assert.equal(serverFromSource('//fileserver/share', 'cifs'), 'fileserver');
  assert.equal(serverFromSource('\\\\fileserver\\share', 'smb3'), 'fileserver');
  assert.equal(serverFromSource('alice@build-box:/srv', 'fuse.sshfs'), 'build-box');
  assert.equal(serverFromSource('build-box:', 'fuse.sshfs'), 'build-box');
  assert.equal(serverOfStatus({ source: 'alice@build-box:/srv', fstype: 'fuse.sshfs', mountedBy: 1000 }), undefined, 'a user\'s own mount names no server');
  assert.equal(serverFromSource('/dev/sda1', 'ext4'), undefined);
  assert.equal(serverFromSource('tmpfs', 'tmpfs'), undefined);
  assert.equal(serverFromSource('C:/image', 'fuse.bindfs'), undefined);
  assert.equal(serverOfStatus({ server: 'given', source: 'x:/y', fstype: 'nfs' }), 'given');
});

test('durations, latencies and sizes in words', () => {
  assert.equal(durationInWords(0), '0 s');
  assert.equal(durationInWords(59_999), '59 s');
  assert.equal(durationInWords(180_000), '3 min');
  assert.equal(durationInWords(2 * 3600_000), '2 h');
  assert.equal(durationInWords(2 * 3600_000 + 5 * 60_000), '2 h 5 min');
  assert.equal(durationInWords(3 * 86400_000), '3 days');
  assert.equal(durationInWords(-5), '0 s');
  assert.equal(forDuration(NOW - 180_000, NOW), 'for 3 min');
  assert.equal(latencyInWords(0.42), '0.4 ms');
  assert.equal(latencyInWords(12.4), '12 ms');
  assert.equal(latencyInWords(1300), '1.3 s');
  assert.equal(bytesInWords(512), '512 B');
  assert.equal(bytesInWords(3.25 * 1024 ** 3), '3.3 GiB');
  assert.equal(bytesInWords(200 * 1024 ** 3), '200 GiB');
});

test('problems in words', () => {
  const hung = m('/home', 'nfs1:/export/home', 'nfs4', { state: 'hung', since: NOW - 180_000 });
  assert.equal(problemInWords(hung, NOW), 'server nfs1 not responding for 3 min');
  assert.equal(problemInWords({ ...hung, source: 'fix', fstype: 'fuse.msm' }, NOW), 'not responding for 3 min');
  const degrading = { reason: 'RPC round trip 210 ms, usually 0.4 ms', since: NOW };
  assert.equal(problemInWords({ ...hung, state: 'ok', degrading }, NOW), 'server nfs1 responding slowly: RPC round trip 210 ms, usually 0.4 ms');
  assert.equal(problemInWords({ ...hung, state: 'ok' }, NOW), '');
  const err = m('/mnt/x', 'fix', 'fuse', { state: 'error', errno: 'ENOTCONN' });
  assert.equal(problemInWords(err, NOW), 'ENOTCONN: transport endpoint is not connected');
  assert.equal(problemInWords({ ...err, errno: 'EWEIRD' }, NOW), 'EWEIRD');
  assert.equal(problemInWords({ ...err, errno: 'EIO', message: 'lstat failed' }, NOW), 'EIO: input/output error (lstat failed)');
  assert.equal(errnoInWords('ESTALE'), 'ESTALE: stale file handle');
  assert.equal(problemInWords({ ...err, errno: 'ESTALE', message: 'Stale file handle: the server did not vouch for this mount\'s files' }, NOW), 'ESTALE: stale file handle: the server did not vouch for this mount\'s files');
  const denied = m('/srv/locked', 'tmpfs', 'tmpfs', { state: 'denied', message: 'mode 000 does not allow access' });
  assert.equal(problemInWords(denied, NOW), 'mode 000 does not allow access');
  const stuck = m('/home', 'nfs1:/e', 'nfs', { state: 'stuck', stuckForMs: 120_000, probePid: 4242 });
  assert.equal(problemInWords(stuck, NOW), 'probe (pid 4242) stuck for 2 min after SIGKILL');
  assert.equal(problemInWords(m('/', '/dev/sda1', 'ext4'), NOW), '');
  assert.equal(problemInWords(m('/', '/dev/sda1', 'ext4', { state: 'unknown' }), NOW), 'not checked yet');
});

test('home mount is the longest mountpoint prefix, component-wise, uncovered first', () => {
  assert.ok(isUnder('/home/alice', '/home'));
  assert.ok(!isUnder('/home2/alice', '/home'));
  assert.ok(isUnder('/anything', '/'));
  const root = m('/', '/dev/sda1', 'ext4');
  const home = m('/home', 'nfs1:/export/home', 'nfs4');
  const home2 = m('/home2', 'nfs2:/export', 'nfs4');
  assert.equal(homeMountOf('/home/alice', [root, home2, home]), home);
  assert.equal(homeMountOf('/home2x/bob', [root, home2, home]), root);
  const covered = m('/home', 'old:/x', 'nfs', { state: 'covered' });
  assert.equal(homeMountOf('/home/alice', [home, covered]), home);
  assert.equal(homeMountOf('/home/alice', [covered, home]), home);
  assert.equal(homeMountOf('/home/alice', []), undefined);
});

test('groups: home pinned, problem groups first, then servers by name, local last', () => {
  const root = m('/', '/dev/sda1', 'ext4');
  const tmp = m('/tmp', 'tmpfs', 'tmpfs', { state: 'error', errno: 'EIO' });
  const home = m('/home', 'nfs1:/export/home', 'nfs4');
  const proj = m('/proj', 'nfs1:/export/proj', 'nfs4');
  const a = m('/mnt/a', '//alpha/share', 'cifs');
  const zHung = m('/mnt/z', 'zeta:/z', 'nfs', { state: 'hung' });
  const zOk = m('/mnt/y', 'zeta:/y', 'nfs');
  const groups = groupMounts([root, tmp, home, proj, a, zOk, zHung], home);
  assert.deepEqual(groups.map((g) => g.key), ['home', 'server:zeta', 'local', 'server:alpha', 'server:nfs1']);
  assert.deepEqual(groups[1]?.rows.map((r) => r.status.mountpoint), ['/mnt/z', '/mnt/y']);
  assert.equal(groups[1]?.problems, 1);
  assert.deepEqual(groups[2]?.rows.map((r) => r.status.mountpoint), ['/tmp', '/']);
  assert.deepEqual(groups[4]?.rows.map((r) => r.status.mountpoint), ['/proj'], 'home not listed twice');
  assert.equal(groups[0]?.rows[0]?.home, true);
  const healthy = groupMounts([root, m('/b', 'beta:/b', 'nfs'), m('/a', 'alpha:/a', 'nfs')], undefined);
  assert.deepEqual(healthy.map((g) => g.key), ['server:alpha', 'server:beta', 'local']);
});

test('filter: every word must match some field or the problem words', () => {
  const hung = m('/home', 'nfs1:/export/home', 'nfs4', { state: 'hung' });
  assert.ok(matchesFilter(hung, '', NOW));
  assert.ok(matchesFilter(hung, 'NFS1 hung', NOW));
  assert.ok(matchesFilter(hung, 'not responding', NOW));
  assert.ok(!matchesFilter(hung, 'nfs1 ok', NOW));
  assert.ok(matchesFilter(m('/tmp', 'tmpfs', 'tmpfs'), 'local', NOW));
});

test('latency history keeps the last N probes, skips repeats, records hung without latency', () => {
  const h = new LatencyHistory(3);
  const base = m('/mnt/a', 'tmpfs', 'tmpfs', { latencyMs: 1, checkedAt: NOW });
  h.record(base);
  h.record(base);
  h.record({ ...base, latencyMs: 2, checkedAt: NOW + 1 });
  h.record({ ...base, state: 'hung', latencyMs: 5000, checkedAt: NOW + 2 });
  h.record({ ...base, latencyMs: 4, checkedAt: NOW + 3 });
  assert.deepEqual(h.get('/mnt/a').map((p) => p.latencyMs), [2, undefined, 4]);
  assert.equal(h.get('/mnt/a')[1]?.state, 'hung');
  h.forget('/mnt/a');
  assert.equal(h.get('/mnt/a').length, 0);
});

test('store queues events until the snapshot, then reports state changes', () => {
  const s = new MountStore();
  const a = m('/mnt/a', 'tmpfs', 'tmpfs');
  const identity = { mode: 'system' as const, privileged: true, pid: 1, version: '1' };
  assert.equal(s.apply({ type: 'mount', mount: { ...a, state: 'hung' }, previous: 'ok' }), undefined);
  s.load({ identity, mounts: [a] });
  assert.equal(s.mounts[0]?.state, 'hung', 'queued event applied after the snapshot');
  assert.deepEqual(s.apply({ type: 'mount', mount: { ...a, state: 'ok' }, previous: 'hung' }), { mountpoint: '/mnt/a', previous: 'hung', state: 'ok' });
  assert.equal(s.apply({ type: 'mount', mount: { ...a, state: 'ok', latencyMs: 3 }, previous: 'ok' }), undefined);
  s.apply({ type: 'sweep', summary: { checked: 1, dead: 0, seconds: 0, finishedAt: NOW } });
  assert.equal(s.lastSweep?.checked, 1);
  s.apply({ type: 'removed', mountpoint: '/mnt/a' });
  assert.equal(s.mounts.length, 0);
});

test("the sweep's quiet probes update their mounts' latency and the sparkline's history; unknown mounts are ignored", () => {
  const s = new MountStore();
  const a = m('/mnt/a', 'tmpfs', 'tmpfs', { latencyMs: 1, checkedAt: NOW - 1000 });
  s.load({ identity: { mode: 'system', privileged: true, pid: 1, version: '1' }, mounts: [a] });
  const summary = { checked: 1, dead: 0, seconds: 0, finishedAt: NOW };
  s.apply({ type: 'sweep', summary, probes: [[a.mountId, 2.5, NOW], [999_999, 1, NOW]] });
  assert.equal(s.mounts.length, 1);
  assert.equal(s.mounts[0]?.latencyMs, 2.5);
  assert.equal(s.mounts[0]?.checkedAt, NOW);
  assert.deepEqual(s.history.get('/mnt/a').map((p) => p.latencyMs), [1, 2.5]);
});

test('what the helper cut or left out, in words; the store counts omitted mounts down as they arrive', () => {
  assert.equal(shortenedInWords(m('/x', 's', 't')), '');
  assert.equal(shortenedInWords(m('/x', 's', 't', { truncated: { mountpoint: 768123, 'automount.map': 2048, later: 5 } })), 'path shortened: 750 KiB; automount map shortened: 2 KiB; later shortened: 5 B');
  assert.equal(pathShortenedInWords(m('/x', 's', 't', { truncated: { message: 4000 } })), '', 'only the path');
  assert.equal(pathShortenedInWords(m('/x', 's', 't', { truncated: { mountpoint: 4_823_000 } })), 'path shortened: 4.6 MiB');
  assert.equal(omittedInWords(undefined), '');
  assert.equal(omittedInWords(0), '');
  assert.equal(omittedInWords(1), '1 more mount not shown: too many for one reply from the helper');
  assert.equal(omittedInWords(12), '12 more mounts not shown: too many for one reply from the helper');

  const s = new MountStore();
  const a = m('/mnt/a', 'tmpfs', 'tmpfs');
  s.load({ identity: { mode: 'system', privileged: true, pid: 1, version: '1' }, mounts: [a], omitted: 2 });
  assert.equal(s.omitted, 2);
  s.apply({ type: 'mount', mount: { ...a, latencyMs: 2 }, previous: 'ok' });
  assert.equal(s.omitted, 2, 'a mount already shown is not one of them');
  s.apply({ type: 'mount', mount: m('/mnt/b', 'tmpfs', 'tmpfs'), previous: 'ok' });
  s.apply({ type: 'mount', mount: m('/mnt/c', 'tmpfs', 'tmpfs'), previous: 'ok' });
  s.apply({ type: 'mount', mount: m('/mnt/d', 'tmpfs', 'tmpfs'), previous: null });
  assert.equal(s.omitted, 0, 'never below zero');
});

test('latency history: NaN, Infinity and negative latencies count as no latency, and repeats are still skipped', () => {
  const h = new LatencyHistory(10);
  const base = m('/mnt/n', 'tmpfs', 'tmpfs', { latencyMs: Number.NaN, checkedAt: NOW });
  h.record(base);
  h.record({ ...base });
  h.record({ ...base, latencyMs: Number.POSITIVE_INFINITY, checkedAt: NOW + 1 });
  h.record({ ...base, latencyMs: -3, checkedAt: NOW + 2 });
  h.record({ ...base, latencyMs: 2, checkedAt: NOW + 3 });
  assert.deepEqual(h.get('/mnt/n').map((p) => p.latencyMs), [undefined, undefined, undefined, 2]);
});

test('displayText: newlines, backslashes and bidi controls shown as octal escapes', () => {
  assert.equal(displayText('/mnt/plain dir'), '/mnt/plain dir');
  assert.equal(displayText('/mnt/a\nb\\c'), '/mnt/a\\012b\\134c');
  assert.equal(displayText('/mnt/evil\u202Egnp.exe'), '/mnt/evil\\342\\200\\256gnp.exe');
  assert.equal(displayText('x\u2066y\u200Fz\u0085'), 'x\\342\\201\\246y\\342\\200\\217z\\302\\205');
  assert.equal(displayText('/home/ünïcode/日本'), '/home/ünïcode/日本');
  assert.ok(matchesFilter(m('/mnt/a\nb', 'tmpfs', 'tmpfs'), 'a\\012b', NOW), 'the shown form matches too');
});
