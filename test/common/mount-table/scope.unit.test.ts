import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountEntry } from '../../../src/common/mount.js';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { parseBsdMount } from '../../../src/common/mount-table/bsd.js';
import { selectMounts, PSEUDO_FSTYPES } from '../../../src/common/mount-table/scope.js';
import { findCovered } from '../../../src/common/mount-table/covered.js';
import { fixtureText } from './fixtures.js';

const debian = () => parseMountinfo(fixtureText('linux-debian12.mountinfo')).entries;
const mps = (es: readonly { mountpoint: string }[]) => es.map((e) => e.mountpoint);
const NONE = { include: [], exclude: [] };

test('default scope: real filesystems in, pseudo filesystems and autofs triggers out', () => {
  const s = selectMounts(debian(), NONE);
  assert.deepEqual(mps(s.inScope), [
    '/dev', '/run', '/', '/dev/shm', '/run/lock', '/boot/efi', '/home/alice', '/data/projects', '/mnt/share drive',
    '/run/user/1000', '/run/user/1000/gvfs', '/run/user/1000/doc', '/mnt/remote', '/snap/core22/1380', '/srv/café\ttab',
  ]);
  assert.deepEqual(s.covered, []);
  const reasons = new Map(s.excluded.map((x) => [x.entry.mountpoint + ' ' + x.entry.fstype, x.reason]));
  assert.equal(reasons.get('/proc proc'), 'pseudo');
  assert.equal(reasons.get('/sys/fs/cgroup cgroup2'), 'pseudo');
  assert.equal(reasons.get('/home autofs'), 'autofs');
  assert.equal(reasons.get('/data/projects autofs'), 'autofs');
  assert.equal(reasons.get('/proc/sys/fs/binfmt_misc autofs'), 'autofs');
  assert.equal(reasons.get('/proc/sys/fs/binfmt_misc binfmt_misc'), 'pseudo');
  assert.equal(reasons.get('/proc/fs/nfsd nfsd'), 'pseudo');
  assert.equal(s.inScope.length + s.covered.length + s.excluded.length, 33);
  for (const t of ['tmpfs', 'devtmpfs', 'ramfs', 'nfs', 'fuse.sshfs']) assert.ok(!PSEUDO_FSTYPES.has(t), t);
});

test('include and exclude by mountpoint glob', () => {
  const s = selectMounts(debian(), { include: ['/run/**', '/home/*'], exclude: ['/run/user/*/doc'] });
  assert.deepEqual(mps(s.inScope), ['/run', '/run/lock', '/home/alice', '/run/user/1000', '/run/user/1000/gvfs']);
  const doc = s.excluded.find((x) => x.entry.mountpoint === '/run/user/1000/doc')!;
  assert.equal(doc.reason, 'exclude');
  assert.equal(doc.pattern, '/run/user/*/doc');
  assert.equal(s.excluded.find((x) => x.entry.mountpoint === '/')!.reason, 'not-included');
  // A mountpoint glob alone never brings pseudo filesystems back.
  assert.ok(!mps(selectMounts(debian(), { include: ['/**'], exclude: [] }).inScope).includes('/proc'));
});

test('fstype patterns: fstype:GLOB in include/exclude, and includeFstypes/excludeFstypes', () => {
  assert.deepEqual(mps(selectMounts(debian(), { include: ['fstype:nfs*'], exclude: [] }).inScope), ['/home/alice', '/data/projects']);
  assert.deepEqual(mps(selectMounts(debian(), { include: [], exclude: [], includeFstypes: ['fuse.*'] }).inScope), [
    '/run/user/1000/gvfs', '/run/user/1000/doc', '/mnt/remote',
  ]);
  const noTmp = selectMounts(debian(), { include: [], exclude: ['fstype:tmpfs'], excludeFstypes: ['squashfs'] });
  assert.ok(!noTmp.inScope.some((e) => e.fstype === 'tmpfs' || e.fstype === 'squashfs'));
  assert.equal(noTmp.excluded.find((x) => x.entry.fstype === 'squashfs')!.pattern, 'fstype:squashfs');
  // An fstype include names a pseudo filesystem explicitly: then it is in scope.
  assert.deepEqual(mps(selectMounts(debian(), { include: ['fstype:proc'], exclude: [] }).inScope), ['/proc']);
  // Mountpoint and fstype includes are ANDed.
  assert.deepEqual(mps(selectMounts(debian(), { include: ['/run/**', 'fstype:tmpfs'], exclude: [] }).inScope), [
    '/run', '/run/lock', '/run/user/1000',
  ]);
  // autofs triggers are never in scope, even when named.
  assert.deepEqual(mps(selectMounts(debian(), { include: ['fstype:autofs'], exclude: [] }).inScope), []);
});

function e(mountId: number, parentId: number, mountpoint: string, fstype = 'tmpfs'): MountEntry {
  return { mountId, parentId, device: '0:1', root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype, source: 't', superOptions: ['rw'] };
}

test('covered: a later mount on the same path covers the earlier one; only the top is in scope', () => {
  const entries = [e(1, 0, '/'), e(10, 1, '/a'), e(20, 10, '/a'), e(30, 20, '/a'), e(40, 1, '/b')];
  const s = selectMounts(entries, NONE);
  assert.deepEqual(s.inScope.map((x) => x.mountId), [1, 30, 40]);
  assert.deepEqual(s.covered.map((c) => [c.entry.mountId, c.by.mountId, c.how]), [[10, 30, 'same-path'], [20, 30, 'same-path']]);
});

test('covered: parent ids decide the top even when the table order disagrees', () => {
  const entries = [e(1, 0, '/'), e(20, 10, '/a'), e(10, 1, '/a')];
  const c = findCovered(entries);
  assert.deepEqual([...c.entries()].map(([i, x]) => [i, x.entry.mountId, x.by.mountId]), [[2, 10, 20]]);
});

test('unreachable: a mount under a covered mount is reported as covered (under-covered), its children too', () => {
  // /a (10), /a/x inside it (11), /a/x/y (12), then /a overmounted by 20; /a/z mounted in the new /a (21).
  const entries = [e(1, 0, '/'), e(10, 1, '/a'), e(11, 10, '/a/x'), e(12, 11, '/a/x/y'), e(20, 10, '/a'), e(21, 20, '/a/z')];
  const s = selectMounts(entries, NONE);
  assert.deepEqual(s.inScope.map((x) => x.mountId), [1, 20, 21]);
  assert.deepEqual(s.covered.map((c) => [c.entry.mountId, c.by.mountId, c.how]), [
    [10, 20, 'same-path'], [11, 20, 'under-covered'], [12, 20, 'under-covered'],
  ]);
});

test('covered without parent ids (BSD): table order decides, and later ancestors hide earlier mounts', () => {
  const r = parseBsdMount(fixtureText('freebsd-14.txt'));
  const s = selectMounts(r.entries, NONE);
  const stack = s.covered.filter((c) => c.entry.mountpoint === '/mnt/stack');
  assert.equal(stack.length, 1);
  assert.equal(stack[0]!.entry.mountId, 17);
  assert.equal(stack[0]!.by.mountId, 18);
  assert.ok(!s.inScope.some((x) => x.fstype === 'devfs' || x.fstype === 'procfs' || x.fstype === 'fdescfs' || x.fstype === 'linprocfs'));
  const bsd = parseBsdMount('a on / (ufs)\nb on /m/sub (tmpfs)\nc on /m (tmpfs)\nd on /m/sub2 (tmpfs)\n').entries;
  const c = findCovered(bsd);
  assert.deepEqual([...c.values()].map((x) => [x.entry.mountpoint, x.by.mountpoint, x.how]), [['/m/sub', '/m', 'under-covered']]);
});

test('a parent-id cycle in a corrupt table does not loop', () => {
  const entries = [e(1, 2, '/x'), e(2, 1, '/x/y')];
  assert.doesNotThrow(() => selectMounts(entries, NONE));
});

test('a covered pseudo filesystem is reported as excluded (pseudo), not covered', () => {
  const entries = [e(1, 0, '/'), e(10, 1, '/p', 'proc'), e(11, 10, '/p')];
  const s = selectMounts(entries, NONE);
  assert.deepEqual(s.inScope.map((x) => x.mountId), [1, 11]);
  assert.deepEqual(s.excluded.map((x) => [x.entry.mountId, x.reason]), [[10, 'pseudo']]);
});

test('unreachable: a sibling on an ancestor directory (same parent mount) hides a deeper mount, in either table order', () => {
  // mkdir /t/a/b; mount on /t/a/b (10); mount on /t/a (11): both have parent 1, and a lookup of /t/a/b
  // crosses into 11 at /t/a, so 10 is out of reach (the kernel's own listing in the namespace test agrees).
  const later = [e(1, 0, '/'), e(10, 1, '/t/a/b'), e(11, 1, '/t/a'), e(12, 11, '/t/a/c')];
  const s = selectMounts(later, NONE);
  assert.deepEqual(s.inScope.map((x) => x.mountId), [1, 11, 12]);
  assert.deepEqual(s.covered.map((c) => [c.entry.mountId, c.by.mountId, c.how]), [[10, 11, 'under-covered']]);
  // Table order does not matter (a mount made through an fd opened before /t/a was covered comes later).
  const earlier = [e(1, 0, '/'), e(11, 1, '/t/a'), e(10, 1, '/t/a/b')];
  assert.deepEqual(selectMounts(earlier, NONE).covered.map((c) => [c.entry.mountId, c.by.mountId]), [[10, 11]]);
  // Its own children are unreachable too, and a stack on the sibling's path reports the stack's top.
  const stacked = [e(1, 0, '/'), e(10, 1, '/t/a/b'), e(13, 10, '/t/a/b/x'), e(11, 1, '/t/a'), e(14, 11, '/t/a')];
  assert.deepEqual(selectMounts(stacked, NONE).covered.map((c) => [c.entry.mountId, c.by.mountId, c.how]), [
    [10, 14, 'under-covered'], [13, 14, 'under-covered'], [11, 14, 'same-path'],
  ]);
  // A mount on the parent's own path is a stack, not a shadow: children of a parent mounted at / are fine.
  const plain = [e(1, 0, '/'), e(2, 1, '/a'), e(3, 2, '/a/b'), e(4, 1, '/c')];
  assert.deepEqual(selectMounts(plain, NONE).covered, []);
});
