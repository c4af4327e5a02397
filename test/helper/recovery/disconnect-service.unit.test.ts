// The disconnect service's rules with fakes for the mount table, the monitor, the child and the blocked
// scan (disconnect-service.ts): who may, which mounts, the sharing superblock named, the fall-back taken
// on ENOSYS. The knob itself is written only in the NFS lab (disconnect.lab.test.ts), never faked here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockedProcess, MountEntry, MountStatus } from '../../../src/common/mount.js';
import type { IpcError } from '../../../src/common/protocol.js';
import type { UnmountResult } from '../../../src/common/recovery.js';
import type { LogLine } from '../../../src/helper/log/lines.js';
import { DisconnectService, type DisconnectServiceOptions } from '../../../src/helper/recovery/disconnect-service.js';
import type { NfsShutdownOutcome } from '../../../src/helper/recovery/nfs-shutdown-child.js';

function entry(mountId: number, mountpoint: string, fstype: string, device: string, source = 'nfs1:/export/home'): MountEntry {
  return { mountId, parentId: 1, device, root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype, source, superOptions: ['rw', 'addr=10.0.0.1'] };
}
const ROOT = { ...entry(1, '/', 'ext4', '8:1', '/dev/sda1'), parentId: 0 };
const status = (e: MountEntry, state: MountStatus['state']): MountStatus => ({ mountpoint: e.mountpoint, source: e.source, fstype: e.fstype, mountId: e.mountId, state, since: 0 });
const proc = (pid: number, comm: string): BlockedProcess => ({ pid, comm, uid: 1000 });

interface Fake {
  service: DisconnectService;
  runs: { mountId: number; device: string }[];
  unmounts: { mountpoint: string; mode: string }[];
  logged: string[];
  rechecked: (string | undefined)[];
}

function fake(entries: MountEntry[], statuses: MountStatus[], o: { answer?: NfsShutdownOutcome; blocked?: BlockedProcess[][]; ownHome?: boolean; more?: Partial<DisconnectServiceOptions> } = {}): Fake {
  const f: Fake = { runs: [], unmounts: [], logged: [], rechecked: [] } as unknown as Fake;
  const scans = [...(o.blocked ?? [])];
  f.service = new DisconnectService({
    monitor: { snapshot: async () => ({ identity: { mode: 'system', privileged: true, pid: 1, version: 't' }, mounts: statuses }), recheck: async (mp) => void f.rechecked.push(mp) },
    whoMay: { check: async (peer) => (peer.uid === 0 ? { ok: true, as: 'root' } : { ok: false, reason: 'only root may unmount (no admin-group is configured)' }) },
    ownHomeAllowed: () => o.ownHome === true,
    homeOf: async (uid) => (uid === 1000 ? '/home/bob' : uid === 1001 ? '/home/alice' : undefined),
    namespaceProblem: async () => undefined,
    timeoutMs: () => 2000,
    unmount: {
      unmount: async (r) => {
        f.unmounts.push({ mountpoint: r.mountpoint, mode: r.mode });
        return { mountpoint: r.mountpoint, mode: r.mode, dryRun: false, state: 'hung', plan: [], steps: [`${r.mountpoint}: unmounted`], gone: true, outcome: 'unmounted' } satisfies UnmountResult;
      },
    },
    log: { line: (l: LogLine) => f.logged.push(l.text) },
    readTable: async () => ({ entries, problems: [] }),
    run: async (m) => {
      f.runs.push(m);
      return o.answer ?? { kind: 'done', what: 'shutdown', steps: [`verified mount ${m.mountId}`] };
    },
    // Each scan takes the next list; the last one stays.
    blocked: async () => (scans.length > 1 ? scans.shift()! : (scans[0] ?? [])),
    releaseWaitMs: 300,
    kernelRelease: '6.1.0-28-amd64',
    ...o.more,
  });
  return f;
}

const root = { peer: { uid: 0, gid: 0, pid: 10 } };
const bob = { peer: { uid: 1000, gid: 1000, pid: 11 } };

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: IpcError) => {
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('only NFS client mounts, never one the rules exclude, a dead one unless --yes', async () => {
  const sshfs = entry(2, '/mnt/s', 'fuse.sshfs', '0:40', 'bob@s:/');
  const tmp = entry(3, '/tmp/x', 'tmpfs', '0:41', 'tmpfs');
  const home = entry(4, '/home', 'nfs4', '0:52');
  const f = fake([ROOT, sshfs, tmp, home], [status(sshfs, 'hung'), status(home, 'ok')]);
  await refused(f.service.disconnect({ mountpoint: '/mnt/s' }, root), 'refused', /^not disconnecting \/mnt\/s: it is not an NFS mount \(fuse\.sshfs\): only NFS has a shutdown/);
  await refused(f.service.disconnect({ mountpoint: '/tmp/x' }, root), 'refused', /it is a memory filesystem \(tmpfs\)/);
  await refused(f.service.disconnect({ mountpoint: '/' }, root), 'refused', /it is the root filesystem/);
  await refused(f.service.disconnect({ mountpoint: '/srv/none' }, root), 'not-a-mountpoint', /it is not a mountpoint/);
  await refused(f.service.disconnect({ mountpoint: '/home' }, root), 'refused', /it is ok \(add --yes to disconnect it anyway\)/);
  assert.equal(f.runs.length, 0, 'no child ran');
  assert.ok(f.logged.every((l) => l.startsWith('Refused to disconnect ')), f.logged.join('\n'));
  const yes = await f.service.disconnect({ mountpoint: '/home', evenIfHealthy: true }, root);
  assert.equal(yes.disconnected, true);
  assert.deepEqual(f.runs, [{ mountId: 4, device: '0:52' }], 'the child gets the mount id and device from mountinfo');
});

test('every mountpoint of the superblock is named before, and in the log line after; blocked programs counted', async () => {
  const home = entry(4, '/home', 'nfs4', '0:52');
  const bind = entry(5, '/srv/home-too', 'nfs4', '0:52');
  const other = entry(6, '/data', 'nfs4', '0:53', 'nfs1:/export/data');
  const f = fake([ROOT, home, bind, other], [status(home, 'hung'), status(bind, 'hung'), status(other, 'hung')], {
    blocked: [[proc(100, 'ls'), proc(101, 'dd'), proc(102, 'flock')], [proc(102, 'flock')]],
  });
  const dry = await f.service.disconnect({ mountpoint: '/home', dryRun: true }, root);
  assert.deepEqual(dry.sharing, ['/home', '/srv/home-too']);
  assert.match(dry.steps.join('\n'), /\/srv\/home-too shares its superblock and is disconnected with it/);
  assert.equal(f.runs.length, 0, 'a dry run runs nothing');
  const r = await f.service.disconnect({ mountpoint: '/home' }, root);
  assert.equal(r.disconnected, true);
  assert.equal(r.released, 2);
  assert.deepEqual(r.stay, [proc(102, 'flock')]);
  assert.deepEqual(f.rechecked, ['/home'], 'the monitor looks again at once');
  assert.deepEqual(f.logged, ['Disconnected /home (server nfs1): 2 programs released, 1 still blocked: flock[102]; with it /srv/home-too (the same superblock); asked by uid 0']);
  assert.equal(f.unmounts.length, 0, 'no unmount without --then-unmount');
  const again = fake([ROOT, home], [status(home, 'disconnected')], { answer: { kind: 'done', what: 'already', steps: [] } });
  const twice = await again.service.disconnect({ mountpoint: '/home', thenUnmount: true }, root);
  assert.equal(twice.disconnected, true, 'a disconnected mount needs no --yes');
  assert.deepEqual(again.unmounts, [{ mountpoint: '/home', mode: 'lazy' }], '--then-unmount unmounts lazily');
  assert.equal(twice.unmounted, true);
  assert.deepEqual(again.logged, [], 'nothing new to log: it was disconnected before');
});

test('a user: never without disconnect-own-home, never another user\'s mount or a superblock shared beyond the home', async () => {
  const bobHome = entry(4, '/home/bob', 'nfs4', '0:52', 'nfs1:/export/home/bob');
  const aliceHome = entry(5, '/home/alice', 'nfs4', '0:53', 'nfs1:/export/home/alice');
  const shared = entry(6, '/home/bob/projects', 'nfs4', '0:54', 'nfs1:/export/projects');
  const sharedElsewhere = entry(7, '/srv/projects', 'nfs4', '0:54', 'nfs1:/export/projects');
  const all = [ROOT, bobHome, aliceHome, shared, sharedElsewhere];
  const statuses = all.slice(1).map((e) => status(e, 'hung'));
  const off = fake(all, statuses);
  await refused(off.service.disconnect({ mountpoint: '/home/bob' }, bob), 'not-permitted', /only root may disconnect \(no admin-group is configured\)/);
  const on = fake(all, statuses, { ownHome: true });
  await refused(on.service.disconnect({ mountpoint: '/home/alice' }, bob), 'not-permitted', /\/home\/alice is not in your home \/home\/bob: only root and the admin-group may disconnect it/);
  await refused(on.service.disconnect({ mountpoint: '/home/bob/projects' }, bob), 'not-permitted', /\/srv\/projects shares its superblock and is not in your home \/home\/bob/);
  await refused(on.service.disconnect({ mountpoint: '/home/bob', thenUnmount: true }, bob), 'not-permitted', /--then-unmount is for root and the admin-group/);
  assert.equal(on.runs.length, 0);
  const r = await on.service.disconnect({ mountpoint: '/home/bob' }, bob);
  assert.equal(r.disconnected, true);
  assert.deepEqual(on.runs, [{ mountId: 4, device: '0:52' }]);
  assert.match(on.logged.at(-1)!, /^Disconnected \/home\/bob \(server nfs1\): 0 programs released; asked by uid 1000$/);
});

test('no knob (ENOSYS): root gets the unmount fall-back with what it could not free; a user is told who can act', async () => {
  const home = entry(4, '/home', 'nfs4', '0:52');
  const noKnob: NfsShutdownOutcome = { kind: 'failed', errno: 'ENOSYS', message: 'this kernel has no shutdown knob for NFS superblock 0:52', steps: [] };
  const f = fake([ROOT, home], [status(home, 'hung')], { answer: noKnob, blocked: [[proc(100, 'ls'), proc(101, 'cat')]] });
  const r = await f.service.disconnect({ mountpoint: '/home' }, root);
  assert.equal(r.disconnected, false);
  assert.equal(r.method, 'force');
  assert.deepEqual(f.unmounts, [{ mountpoint: '/home', mode: 'force' }]);
  assert.deepEqual(r.stay?.map((p) => p.pid), [100, 101]);
  assert.equal(
    r.reason,
    'this kernel (6.1.0-28-amd64) has no NFS shutdown (no /sys/fs/nfs/0:52/shutdown: Linux 6.6 added it): it is force-unmounted (umount -f aborted the requests in flight); 2 programs stay blocked until the server answers: ls[100], cat[101]',
  );
  assert.match(f.logged.at(-1)!, /^Couldn't disconnect \/home: this kernel \(6\.1\.0-28-amd64\) has no NFS shutdown/);
  const lazy = fake([ROOT, home], [status(home, 'hung')], { answer: noKnob });
  assert.equal((await lazy.service.disconnect({ mountpoint: '/home', thenUnmount: true }, root)).method, 'lazy');
  const bobHome = entry(4, '/home/bob', 'nfs4', '0:52');
  const user = fake([ROOT, bobHome], [status(bobHome, 'hung')], { answer: noKnob, ownHome: true });
  const u = await user.service.disconnect({ mountpoint: '/home/bob' }, bob);
  assert.equal(u.disconnected, false);
  assert.equal(user.unmounts.length, 0, 'a user never gets the force-unmount');
  assert.match(u.reason!, /an administrator can force-unmount it instead: sudo mountstatus unmount --force \/home\/bob$/);
});
