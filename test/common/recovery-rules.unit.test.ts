// What the helper never unmounts, and the order it unmounts a tree in (src/common/recovery-rules.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountEntry } from '../../src/common/mount.js';
import { decideUnmount, mountsUnder, neverUnmountReason, topMountAt, unmountKind } from '../../src/common/recovery-rules.js';

let nextId = 100;
function entry(mountpoint: string, fstype: string, source: string, parentId: number, mountId = nextId++): MountEntry {
  return { mountId, parentId, device: `0:${mountId}`, root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype, source, superOptions: ['rw'] };
}

test('never: /, local disks, memory and kernel filesystems, autofs triggers, anything not network or FUSE', () => {
  const never: [string, string, string, RegExp][] = [
    ['/', 'ext4', '/dev/sda1', /root filesystem/],
    ['/data', 'ext4', '/dev/sda2', /local disk filesystem \(ext4 on \/dev\/sda2\)/],
    ['/srv', 'xfs', '/dev/mapper/vg-srv', /local disk/],
    ['/var/lib/docker', 'btrfs', '/dev/nvme0n1p3', /local disk/],
    ['/media/usb', 'fuseblk', '/dev/sdb1', /local disk/],
    ['/mnt/odd', 'someblockfs', '/dev/vdb', /local disk/],
    ['/tmp', 'tmpfs', 'tmpfs', /memory filesystem \(tmpfs\)/],
    ['/dev', 'devtmpfs', 'udev', /memory filesystem/],
    ['/proc', 'proc', 'proc', /kernel filesystem \(proc\)/],
    ['/sys/fs/cgroup', 'cgroup2', 'cgroup2', /kernel filesystem/],
    ['/home', 'autofs', 'auto.home', /autofs trigger entry/],
    ['/var/lib/docker/overlay2/x/merged', 'overlay', 'overlay', /not a network or FUSE filesystem \(overlay\)/],
  ];
  for (const [mountpoint, fstype, source, why] of never) assert.match(neverUnmountReason({ mountpoint, fstype, source }) ?? '', why, `${mountpoint} ${fstype}`);
  for (const [fstype, source] of [
    ['nfs4', 'nfs1:/export/home'],
    ['nfs', 'nfs1:/export'],
    ['cifs', '//fileserver/share'],
    ['fuse.sshfs', 'bob@server:/data'],
    ['fuse.rclone', 'remote:'],
    ['fuse', 'msm'],
    ['9p', 'hostshare'],
  ]) {
    assert.equal(neverUnmountReason({ mountpoint: '/mnt/x', fstype: fstype!, source: source! }), undefined, fstype);
  }
  assert.equal(unmountKind('fuse.sshfs'), 'fuse');
  assert.equal(unmountKind('nfs4'), 'network');
  assert.equal(neverUnmountReason({ mountpoint: '/mnt/x', fstype: 'fuse.', source: 'x' }) !== undefined, true, '"fuse." alone is no FUSE type');
});

test('the top of stacked mounts is the one a lookup reaches', () => {
  const root = entry('/', 'ext4', '/dev/sda1', 1);
  const under = entry('/mnt/x', 'nfs4', 'a:/x', root.mountId);
  const over = entry('/mnt/x', 'fuse.sshfs', 'b:/x', under.mountId);
  assert.equal(topMountAt([root, under, over], '/mnt/x'), over);
  assert.equal(topMountAt([root, under, over], '/mnt/y'), undefined);
});

test('mounts under a mount: every depth, deepest first, later ones first among equals; siblings elsewhere left out', () => {
  const root = entry('/', 'ext4', '/dev/sda1', 1);
  const t = entry('/mnt/t', 'nfs4', 'n:/t', root.mountId);
  const a = entry('/mnt/t/a', 'nfs4', 'n:/a', t.mountId);
  const b = entry('/mnt/t/b', 'nfs4', 'n:/b', t.mountId);
  const aa = entry('/mnt/t/a/deep', 'fuse.sshfs', 's:/', a.mountId);
  const sibling = entry('/mnt/tt', 'nfs4', 'n:/tt', root.mountId);
  const onTop = entry('/mnt/t', 'fuse.sshfs', 's:/t', t.mountId);
  const table = [root, t, a, b, aa, sibling];
  assert.deepEqual(mountsUnder(table, t).map((e) => e.mountpoint), ['/mnt/t/a/deep', '/mnt/t/b', '/mnt/t/a']);
  assert.deepEqual(mountsUnder([...table, onTop], t).map((e) => e.mountId), [aa.mountId, onTop.mountId, b.mountId, a.mountId], 'a mount stacked on it is under it too');
});

test('decideUnmount: a plan leaf first, or the reason not', () => {
  const root = entry('/', 'ext4', '/dev/sda1', 1);
  const t = entry('/mnt/t', 'fuse.sshfs', 'bob@s:/t', root.mountId);
  const sub = entry('/mnt/t/sub', 'nfs4', 'n:/sub', t.mountId);
  const table = [root, t, sub];
  const hung = { state: 'hung' as const };
  const ok = decideUnmount(table, '/mnt/t', hung, false);
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok && ok.plan.map((e) => e.mountpoint), ['/mnt/t/sub', '/mnt/t']);

  const notMount = decideUnmount(table, '/mnt/t/file', hung, true);
  assert.deepEqual(notMount, { ok: false, code: 'not-a-mountpoint', reason: 'it is not a mountpoint (it lies in /mnt/t)' });
  const tmpUnder = entry('/mnt/t/cache', 'tmpfs', 'tmpfs', t.mountId);
  const refused = decideUnmount([...table, tmpUnder], '/mnt/t', hung, true);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /^\/mnt\/t\/cache is mounted under it, and that one is a memory filesystem \(tmpfs\).*: unmount that one first$/);

  for (const [state, words] of [
    ['ok', 'it is answering'],
    ['denied', 'it is answering (its mode'],
    ['idle', 'it is an idle automount'],
    ['unknown', 'it has not been checked yet'],
  ] as const) {
    const d = decideUnmount(table, '/mnt/t', { state }, false);
    assert.equal(d.ok, false, state);
    assert.ok(!d.ok && d.reason.startsWith(words) && d.reason.endsWith('(add --yes to unmount it anyway)'), `${state}: ${!d.ok && d.reason}`);
    assert.ok(decideUnmount(table, '/mnt/t', { state }, true).ok, `${state} with --yes`);
  }
  for (const state of ['slow', 'hung', 'stuck', 'error'] as const) assert.ok(decideUnmount(table, '/mnt/t', { state }, false).ok, state);
  const unchecked = decideUnmount(table, '/mnt/t', undefined, false);
  assert.match(!unchecked.ok ? unchecked.reason : '', /the monitor does not check it/);
});
