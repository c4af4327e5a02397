// The unmount service's decisions and order with fakes for the mount table, the child and /proc
// (unmount-service.ts); the real child and real mounts are in the integration tests beside this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountEntry, MountStatus } from '../../../src/common/mount.js';
import { IpcError } from '../../../src/common/protocol.js';
import type { LogLine } from '../../../src/helper/log/lines.js';
import type { ProcReader } from '../../../src/node/passive/proc.js';
import type { UnmountChildOutcome, UnmountChildRequest } from '../../../src/helper/recovery/unmount-child.js';
import { UnmountService, type UnmountServiceOptions } from '../../../src/helper/recovery/unmount-service.js';

function entry(mountId: number, parentId: number, mountpoint: string, fstype: string, source = 'srv:/x', superOptions = ['rw']): MountEntry {
  return { mountId, parentId, device: `0:${mountId}`, root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype, source, superOptions };
}

const ROOT = entry(1, 0, '/', 'ext4', '/dev/sda1');

function status(e: MountEntry, state: MountStatus['state'], more: Partial<MountStatus> = {}): MountStatus {
  return { mountpoint: e.mountpoint, source: e.source, fstype: e.fstype, mountId: e.mountId, state, since: 0, ...more };
}

const emptyProc: ProcReader = { pids: () => [], list: () => undefined, readlink: () => undefined, read: () => undefined };

interface Fake {
  service: UnmountService;
  table: MountEntry[];
  runs: UnmountChildRequest[];
  logged: LogLine[];
  signals: [number, string][];
}

/** `answer` decides each child's outcome; by default the mount leaves the table ("unmounted"). */
function fake(
  entries: MountEntry[],
  statuses: MountStatus[],
  answer?: (r: UnmountChildRequest, f: Fake) => UnmountChildOutcome | undefined,
  more: Partial<UnmountServiceOptions> = {},
): Fake {
  const f = { table: [...entries], runs: [], logged: [], signals: [] } as unknown as Fake;
  f.service = new UnmountService({
    monitor: { snapshot: async () => ({ identity: { mode: 'system', privileged: true, pid: 1, version: 't' }, mounts: statuses }), rereadTable: async () => undefined },
    whoMay: { check: async (peer) => (peer.uid === 0 ? { ok: true, as: 'root' } : { ok: false, reason: 'only root may unmount (no admin-group is configured)' }) },
    namespaceProblem: async () => undefined,
    timeoutMs: () => 2000,
    log: { line: (l) => f.logged.push(l) },
    readTable: async () => ({ entries: f.table, problems: [] }),
    run: async (r) => {
      f.runs.push(r);
      const out = answer?.(r, f);
      if (out) return out;
      if (!r.verifyOnly) f.table = f.table.filter((e) => e.mountId !== r.mountId);
      return { kind: 'done', what: r.verifyOnly ? 'verified' : 'unmounted', steps: ['verified mount ' + r.mountId] };
    },
    proc: emptyProc,
    signal: (pid, sig) => f.signals.push([pid, sig]),
    automountWaitMs: 300,
    ...more,
  });
  return f;
}

const root = { peer: { uid: 0, gid: 0, pid: 10 } };

test('who may: a refusal is an IpcError not-permitted, logged with the uid once a minute', async () => {
  const t = entry(2, 1, '/mnt/t', 'nfs4');
  const f = fake([ROOT, t], [status(t, 'hung')]);
  for (let i = 0; i < 3; i++) {
    await assert.rejects(f.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, { peer: { uid: 1000, gid: 1000, pid: 11 } }), (e: IpcError) => {
      assert.equal(e.code, 'not-permitted');
      assert.equal(e.message, 'not unmounting /mnt/t: only root may unmount (no admin-group is configured)');
      return true;
    });
  }
  assert.deepEqual(f.logged.map((l) => l.text), ['Refused to unmount /mnt/t for uid 1000: only root may unmount (no admin-group is configured)']);
  assert.equal(f.runs.length, 0);
});

test('a foreign mount namespace refuses before the table is even read', async () => {
  const t = entry(2, 1, '/mnt/t', 'nfs4');
  const f = fake([ROOT, t], [status(t, 'hung')], undefined, { namespaceProblem: async () => 'the helper runs in its own mount namespace', readTable: async () => assert.fail('read') });
  await assert.rejects(f.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, root), { code: 'refused', message: 'not unmounting /mnt/t: the helper runs in its own mount namespace' });
});

test('a dry run says what would be done and touches nothing', async () => {
  const t = entry(2, 1, '/mnt/t', 'fuse.sshfs', 'bob@s:/');
  const sub = entry(3, 2, '/mnt/t/n', 'nfs4', 'n:/n');
  const f = fake([ROOT, t, sub], [status(t, 'hung', { blocked: { count: 1, processes: [{ pid: 5, comm: 'cat', uid: 0 }] } })]);
  const r = await f.service.unmount({ mountpoint: '/mnt/t', mode: 'lazy', dryRun: true }, root);
  assert.equal(f.runs.length, 0);
  assert.deepEqual(r.plan.map((p) => p.mountpoint), ['/mnt/t/n', '/mnt/t']);
  assert.equal(r.plan[1]!.server, 's');
  assert.deepEqual(r.steps, [
    'force-unmount /mnt/t/n (nfs4: MNT_FORCE aborts its requests in flight); detach it if it is still in use',
    'abort the FUSE connection of /mnt/t (fuse.sshfs), then unmount it; detach it if it is still in use',
  ]);
  assert.deepEqual([r.dryRun, r.gone, r.state, r.blocked?.count], [true, false, 'hung', 1]);
});

test('a FUSE mount with mounts under it: aborted first, then the mounts under it leaf first, then itself', async () => {
  const t = entry(2, 1, '/mnt/t', 'fuse.sshfs', 'bob@s:/');
  const a = entry(3, 2, '/mnt/t/a', 'nfs4', 'n:/a');
  const aa = entry(4, 3, '/mnt/t/a/b', 'fuse.rclone', 'r:');
  const f = fake([ROOT, t, a, aa], [status(t, 'hung', { blocked: { count: 3, processes: [] } })]);
  const r = await f.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, root);
  assert.deepEqual(
    f.runs.map((x) => [x.mountpoint, x.verifyOnly === true, x.abortFuse, x.force, x.detachIfBusy]),
    [
      ['/mnt/t', true, true, true, false],
      ['/mnt/t/a/b', false, true, true, false],
      ['/mnt/t/a', false, false, true, false],
      ['/mnt/t', false, true, true, false],
    ],
  );
  assert.equal(f.runs[0]!.device, '0:2');
  assert.deepEqual([r.gone, r.outcome], [true, 'unmounted']);
  assert.deepEqual(f.logged.map((l) => l.text), ['Force-unmounted /mnt/t and 2 mounts under it (server s) as asked by uid 0: 3 blocked processes released']);
});

test('--force: a busy mount whose user lies beyond the usage scan\'s budget says how many processes went unexamined', async () => {
  const t = entry(2, 1, '/mnt/t', 'nfs4', 'nfs1:/t');
  // One process with 100,000 open files, the one in the mount last: beyond its user's share of reads.
  const proc: ProcReader = {
    pids: () => [42],
    *list(d) {
      for (let fd = 0; d === '/proc/42/fd' && fd < 100_000; fd++) yield String(fd);
    },
    readlink: (p) => (p === '/proc/42/fd/99999' ? '/mnt/t/f' : p.startsWith('/proc/42/') ? '/dev/null' : undefined),
    read: (p) => (p === '/proc/42/status' ? 'State:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t  1000 kB\n' : undefined),
  };
  const busy = (): UnmountChildOutcome => ({ kind: 'failed', errno: 'EBUSY', message: 'the mount is still in use after the retries', steps: ['MNT_FORCE: busy'] });
  const force = fake([ROOT, t], [status(t, 'hung')], busy, { proc });
  const r = await force.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, root);
  assert.equal(r.reason, "/mnt/t is still in use (by whom is not known: the scan's budget left 1 process unexamined) after its requests were aborted (--lazy detaches it anyway)");
});

test('--force: a busy mount fails with who keeps it busy; --lazy goes on and detaches', async () => {
  const t = entry(2, 1, '/mnt/t', 'nfs4', 'nfs1:/t');
  const proc: ProcReader = {
    pids: () => [42],
    list: (d) => (d === '/proc/42/fd' ? [] : undefined),
    readlink: (p) => (p === '/proc/42/cwd' ? '/mnt/t/work' : p === '/proc/42/root' ? '/' : undefined),
    read: (p) => (p === '/proc/42/stat' ? '42 (vim) S 1 42 42 0' : p === '/proc/42/status' ? 'State:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t  1000 kB\n' : undefined),
  };
  const busy = (r: UnmountChildRequest): UnmountChildOutcome | undefined =>
    r.detachIfBusy ? undefined : { kind: 'failed', errno: 'EBUSY', message: 'the mount is still in use after the retries', steps: ['MNT_FORCE: busy'] };
  const force = fake([ROOT, t], [status(t, 'hung')], busy, { proc });
  const r = await force.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, root);
  assert.equal(r.gone, false);
  assert.equal(r.reason, '/mnt/t is still in use by vim[42] (cwd) after its requests were aborted (--lazy detaches it anyway)');
  assert.deepEqual(force.logged.map((l) => [l.severity, l.text]), [['err', "Couldn't unmount /mnt/t: /mnt/t is still in use by vim[42] (cwd) after its requests were aborted (--lazy detaches it anyway)"]]);

  const lazy = fake([ROOT, t], [status(t, 'hung')], (req, f) => {
    f.table = f.table.filter((e) => e.mountId !== req.mountId);
    return { kind: 'done', what: 'detached', steps: ['busy: retrying for 1500 ms'] };
  });
  const l = await lazy.service.unmount({ mountpoint: '/mnt/t', mode: 'lazy' }, { policy: { notRespondingSeconds: 330 } });
  assert.deepEqual([l.gone, l.outcome], [true, 'detached']);
  assert.deepEqual(lazy.logged.map((x) => x.text), ['Lazily unmounted /mnt/t (server nfs1) after 5 minutes not responding']);
});

test('--lazy: a mount under it that cannot be reached is taken along by the detach of its parent', async () => {
  const t = entry(2, 1, '/mnt/t', 'nfs4', 'nfs1:/t');
  const sub = entry(3, 2, '/mnt/t/s', 'nfs4', 'nfs1:/s');
  const f = fake([ROOT, t, sub], [status(t, 'hung')], (r, w) => {
    if (r.mountId === 3) return { kind: 'timed-out', pid: 99, exited: true, steps: [] };
    w.table = w.table.filter((e) => e.mountId !== 2 && e.mountId !== 3); // MNT_DETACH takes the subtree
    return { kind: 'done', what: 'detached', steps: [] };
  });
  const r = await f.service.unmount({ mountpoint: '/mnt/t', mode: 'lazy' }, root);
  assert.deepEqual([r.gone, r.outcome], [true, 'detached']);
  assert.ok(r.steps.includes('/mnt/t/s: no answer within 3500 ms: child 99 killed'), r.steps.join('\n'));
});

test('a child that times out is reported as killed, or as stuck in the kernel', async () => {
  const t = entry(2, 1, '/mnt/t', 'nfs4');
  const f = fake([ROOT, t], [status(t, 'hung')], () => ({ kind: 'timed-out', pid: 77, exited: false, steps: ['verified mount 2'] }));
  const r = await f.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, root);
  assert.equal(r.reason, '/mnt/t: the unmount did not finish within 3.5 seconds: its child process 77 was sent SIGKILL and is stuck in the kernel until the filesystem lets go');
});

test('an automounted filesystem: its daemon is asked first (SIGUSR1); expired, nothing else is done', async () => {
  const am = entry(5, 1, '/net', 'autofs', 'auto.net');
  const t = entry(6, 5, '/net/h', 'nfs4', 'h:/');
  const proc: ProcReader = { ...emptyProc, read: (p) => (p === '/proc/812/stat' ? '812 (automount) S 1 812 812 0' : undefined) };
  const automount = { role: 'automounted' as const, map: 'auto.net', daemonAlive: true, daemonPgrp: 812 };
  // The daemon expires it when signalled.
  let w: Fake | undefined;
  const f = fake([ROOT, am, t], [status(t, 'idle', { automount })], undefined, {
    proc,
    signal: (pid, sig) => {
      w!.signals.push([pid, sig]);
      w!.table = w!.table.filter((e) => e.mountId !== 6);
    },
  });
  w = f;
  const r = await f.service.unmount({ mountpoint: '/net/h', mode: 'force', evenIfHealthy: true }, root);
  assert.deepEqual(f.signals, [[812, 'SIGUSR1']]);
  assert.deepEqual([r.gone, r.outcome], [true, 'expired']);
  assert.equal(f.runs.length, 0);
  assert.deepEqual(f.logged.map((l) => l.text), ['Asked the automount daemon (pid 812) to expire unused mounts before unmounting /net/h']);

  // In use: it stays, and the helper unmounts it itself. A systemd automount (PID 1) is never signalled.
  const busy = fake([ROOT, am, t], [status(t, 'hung', { automount })], undefined, { proc });
  const r2 = await busy.service.unmount({ mountpoint: '/net/h', mode: 'force' }, root);
  assert.deepEqual(busy.signals, [[812, 'SIGUSR1']]);
  assert.ok(r2.steps.includes('/net/h is still mounted (in use): unmounting it'));
  assert.equal(r2.outcome, 'unmounted');
  const systemd = fake([ROOT, am, t], [status(t, 'hung', { automount: { ...automount, map: 'systemd-1', daemonPgrp: 1 } })], undefined, { proc });
  await systemd.service.unmount({ mountpoint: '/net/h', mode: 'force' }, root);
  assert.deepEqual(systemd.signals, []);
});

test('refusals of what is asked: not a mountpoint, never unmounted, healthy without --yes', async () => {
  const tmp = entry(2, 1, '/tmp', 'tmpfs', 'tmpfs');
  const t = entry(3, 1, '/mnt/t', 'nfs4');
  const f = fake([ROOT, tmp, t], [status(t, 'ok')]);
  await assert.rejects(f.service.unmount({ mountpoint: '/mnt/t/x', mode: 'force' }, root), { code: 'not-a-mountpoint' });
  await assert.rejects(f.service.unmount({ mountpoint: '/tmp', mode: 'force', evenIfHealthy: true }, root), { code: 'refused', message: /memory filesystem/ });
  await assert.rejects(f.service.unmount({ mountpoint: '/mnt/t', mode: 'force' }, root), { code: 'refused', message: /it is answering \(add --yes/ });
  assert.equal(f.runs.length, 0);
  assert.equal(f.logged.length, 3);
});

test('the target left during its unmount (someone else unmounted it): gone, outcome left, logged as not done by the helper', async () => {
  const tmpfs = entry(2, 1, '/srv/team', 'tmpfs', 'team');
  const t = entry(3, 2, '/srv/team', 'fuse.sshfs', 'bob@host:');
  const f = fake([ROOT, tmpfs, t], [status(t, 'hung')], (r, fk) => {
    fk.table = fk.table.filter((e) => e.mountId !== r.mountId);
    return { kind: 'done', what: 'left', steps: ['the mount left the mount table during the unmount (someone else unmounted it): stopped, nothing else unmounted'] };
  });
  const r = await f.service.unmount({ mountpoint: '/srv/team', mode: 'force' }, { policy: { notRespondingSeconds: 300 } });
  assert.deepEqual([r.gone, r.outcome], [true, 'left']);
  assert.deepEqual(f.logged.map((l) => l.text), ["Couldn't unmount /srv/team: someone else unmounted it during the unmount; nothing else was unmounted"]);
  assert.ok(f.table.includes(tmpfs), 'the tmpfs beneath is not in any plan');
});
