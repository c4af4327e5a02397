// What `mountstatus unmount` never does, with a real daemon: `/`, a tmpfs and an autofs trigger entry are
// refused (and left mounted); an automounted filesystem is first left to its automount daemon (SIGUSR1
// expires unused mounts), and the command says so; a helper whose mount namespace is not the host's
// refuses everything, and without an admin-group only root may ask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { autofsUnavailable, startAutomount, type Automount } from '../../support/automount.js';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { listMounts, makeTempRoot, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { kernelLacks, privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser } from '../../support/test-user.js';
import { runCli } from '../cli/cli-harness.js';
import { startRecoveryDaemon, type RecoveryDaemon } from './recovery-daemon.js';
import { Follower } from '../cli/follow-client.js';
import { spawnSync } from 'node:child_process';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const noAutomount = spawnSync('automount', ['-V']).error ? 'automount is missing: apt-get install autofs' : undefined;
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? noAutomount) : ns.reason);
const noAutofs = kernelLacks(autofsUnavailable());
const cleanups = cleanupsAfter();

let world: { root: TempRoot; helper: RecoveryDaemon; am: Automount | undefined } | undefined;

async function setUp() {
  if (world) return world;
  const root = makeTempRoot('msm-recovery-never-');
  cleanups.push(() => root.cleanup());
  const fuseDir = root.join('fz');
  const fx = await startFuseFixture(fuseDir);
  cleanups.push(() => fx.stop());
  // Key "fz" binds the FUSE mount's root: the automounted filesystem is then a FUSE one the helper may unmount.
  const am = noAutofs ? undefined : await startAutomount({ timeout: 60, entries: { a: '-fstype=tmpfs,size=1m :tmpfs', fz: `-fstype=bind :${fuseDir}` } });
  if (am) cleanups.push(() => am.stop());
  // Sweeps every 2 s: an idle automount is not in the watch tier (it is not probed), only sweeps report it.
  const helper = await startRecoveryDaemon({
    args: ['--include', `${root.path}/**`, ...(am ? ['--include', `${am.mnt}/**`] : []), '--watch', `${root.path}/w-*`, '--interval', '2', '--timeout', '2'],
    cleanups,
  });
  world = { root, helper, am };
  return world;
}

test('/, a tmpfs and an autofs trigger entry are refused, and stay mounted', { skip: skip || noAutofs }, async () => {
  const { root, helper, am } = await setUp();
  assert.ok(am, 'the automount daemon runs where the kernel has autofs');
  const tmp = mountTmpfs(root.join('scratch'));
  const before = listMounts().map((m) => m.id).sort();
  for (const [path, why] of [
    ['/', 'it is the root filesystem'],
    [tmp, 'it is a memory filesystem \\(tmpfs\\)'],
    [am.mnt, 'it is an autofs trigger entry, which belongs to the automount daemon'],
  ] as const) {
    const r = await runCli(['unmount', '--yes', '--socket', helper.socket, path]);
    assert.equal(r.code, 1, `${path}: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`not unmounting ${path}: ${why}`), path);
    await helper.daemon.waitFor(new RegExp(`Refused to unmount ${path} for uid 0: ${why}`));
  }
  assert.deepEqual(listMounts().map((m) => m.id).sort(), before, 'nothing was unmounted');
  const notMount = await runCli(['unmount', '--yes', '--socket', helper.socket, join(tmp, 'nothing-here')]);
  assert.equal(notMount.code, 1);
  assert.match(notMount.stderr, new RegExp(`it is not a mountpoint \\(it lies in ${tmp}\\)`));
  const usage = await runCli(['unmount', '--force', '--lazy', '--socket', helper.socket, tmp]);
  assert.equal(usage.code, 2, 'usage errors exit 2');
});

test('a healthy mount is refused without --yes', { skip }, async () => {
  const { root, helper } = await setUp();
  const fx = await startFuseFixture(root.join('w-healthy'));
  cleanups.push(() => fx.stop());
  const follow = new Follower(helper.socket);
  cleanups.push(() => follow.stop());
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.state === 'ok', 15_000);
  const r = await runCli(['unmount', '--socket', helper.socket, fx.mountpoint]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`not unmounting ${fx.mountpoint}: it is answering \\(add --yes to unmount it anyway\\)`));
  assert.ok(listMounts().some((m) => m.id === fx.mountId));
  follow.stop();
});

test('an automounted filesystem is left to its automount daemon first (SIGUSR1), and the command says so', { skip: skip || noAutofs }, async () => {
  const { helper, am } = await setUp();
  assert.ok(am, 'the automount daemon runs where the kernel has autofs');
  const follow = new Follower(helper.socket);
  cleanups.push(() => follow.stop());
  const automounted = (mountpoint: string) => (m: { mountpoint: string; automount?: unknown }) =>
    m.mountpoint === mountpoint && (m.automount as { role?: string } | undefined)?.role === 'automounted';

  // Unused: the daemon expires it itself.
  let fz = await am.trigger('fz');
  await follow.waitFor(automounted(fz.mountpoint), 15_000);
  const idle = await runCli(['unmount', '--yes', '--socket', helper.socket, fz.mountpoint]);
  assert.equal(idle.code, 0, idle.stderr + idle.stdout);
  assert.match(idle.stdout, new RegExp(`asked the automount daemon \\(pid ${am.pid}\\) to expire unused mounts \\(SIGUSR1\\)`));
  assert.match(idle.stdout, /is unmounted \(its automount daemon expired it\)/);
  assert.equal(am.mountOf('fz'), undefined);
  await helper.daemon.waitFor(new RegExp(`Asked the automount daemon \\(pid ${am.pid}\\) to expire unused mounts before unmounting ${fz.mountpoint}`));

  // In use: the daemon keeps it, so the helper goes on (here --lazy: the user's shell keeps its copy).
  fz = await am.trigger('fz');
  const user = am.spawnInside('sleep 120', fz.mountpoint);
  cleanups.push(() => void user.kill('SIGKILL'));
  const mark = follow.lines.length;
  await follow.waitFor(automounted(fz.mountpoint), 15_000, mark);
  const busy = await runCli(['unmount', '--lazy', '--yes', '--socket', helper.socket, fz.mountpoint]);
  assert.equal(busy.code, 0, busy.stderr + busy.stdout);
  assert.match(busy.stdout, /still mounted \(in use\): unmounting it/);
  assert.match(busy.stdout, /is detached/);
  assert.equal(am.mountOf('fz'), undefined);
  assert.ok(am.alive(), 'the automount daemon runs on');
  user.kill('SIGKILL');
});

test("a helper outside the host's mount namespace refuses, and without an admin-group only root may ask", { skip }, async () => {
  const { root } = await setUp();
  const user = ensureTestUser();
  const fx = await startFuseFixture(root.join('elsewhere'));
  cleanups.push(() => fx.stop());
  // This file's parent process (it ran unshare(1)) is in the namespace this file's private one was copied from.
  const other = await startRecoveryDaemon({ args: ['--include', `${root.path}/**`], referencePid: process.ppid, cleanups });
  const asRoot = await runCli(['unmount', '--yes', '--socket', other.socket, fx.mountpoint]);
  assert.equal(asRoot.code, 1);
  assert.match(
    asRoot.stderr,
    new RegExp(`the helper runs in its own mount namespace \\(mnt:\\[\\d+\\]\\), not the host's \\(PID ${process.ppid}: mnt:\\[\\d+\\]\\), so an unmount would only detach its private copy`),
  );
  // With the default reference, PID 1, it refuses too (here PID 1's namespace may not even be readable).
  const byDefault = await startRecoveryDaemon({ args: ['--include', `${root.path}/**`], referencePid: undefined, cleanups });
  const asRoot1 = await runCli(['unmount', '--yes', '--socket', byDefault.socket, fx.mountpoint]);
  assert.equal(asRoot1.code, 1);
  assert.match(asRoot1.stderr, /mount namespace/);
  const asUser = await runCli(['unmount', '--yes', '--socket', other.socket, fx.mountpoint], { uid: user.uid, gid: user.gid });
  assert.equal(asUser.code, 1);
  assert.match(asUser.stderr, /only root may unmount \(no admin-group is configured\)/);
  await other.daemon.waitFor(new RegExp(`Refused to unmount ${fx.mountpoint} for uid ${user.uid}: only root may unmount`));
  assert.ok(listMounts().some((m) => m.id === fx.mountId), 'still mounted');
  const absent = await runCli(['unmount', '--yes', '--socket', join(root.path, 'no-such.sock'), fx.mountpoint]);
  assert.equal(absent.code, 2, 'no helper: exit 2');
  assert.match(absent.stderr, /helper not running/);
});
