// `mountstatus disconnect` on this machine, whose kernel may have no NFS client at all: against a real
// daemon, everything but NFS is refused with a clear reason and left mounted (a dead FUSE mount too:
// `unmount` is the way for it), a user outside the admin-group is refused, usage errors exit 2; and the
// shutdown child itself, asked for a mount that has no knob, says ENOSYS and touches nothing.
// The NFS shutdown itself is tested in the lab's guests (disconnect.lab.test.ts, Debian 13's 6.12;
// disconnect.bookworm.lab.test.ts, the fall-back on Debian 12's 6.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { listMounts, makeTempRoot, mountsAt, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser } from '../../support/test-user.js';
import { runCli } from '../cli/cli-harness.js';
import { startRecoveryDaemon, type RecoveryDaemon } from './recovery-daemon.js';
import { Follower } from '../cli/follow-client.js';
import { NFS_SHUTDOWN_PROGRAM } from '../../../src/helper/recovery/nfs-shutdown-child.js';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

let world: { root: TempRoot; helper: RecoveryDaemon; follow: Follower } | undefined;

async function setUp() {
  if (world) return world;
  const root = makeTempRoot('msm-disconnect-');
  cleanups.push(() => root.cleanup());
  const helper = await startRecoveryDaemon({ args: ['--include', `${root.path}/**`, '--watch', `${root.path}/w-*`, '--timeout', '2'], cleanups });
  const follow = new Follower(helper.socket);
  cleanups.push(() => follow.stop());
  world = { root, helper, follow };
  return world;
}

test('a dead FUSE mount, a tmpfs, / and a path in no mount are refused with the reason, and stay', { skip }, async () => {
  const { root, helper, follow } = await setUp();
  const fx = await startFuseFixture(root.join('w-dead'), { mode: 'hang' });
  cleanups.push(() => fx.stop());
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && ['slow', 'hung', 'stuck'].includes(m.state ?? ''), 20_000);
  const tmp = mountTmpfs(root.join('scratch'));
  const before = listMounts().map((m) => m.id).sort();
  for (const [path, why] of [
    [fx.mountpoint, 'it is not an NFS mount \\(fuse\\.msm-fusefix\\): only NFS has a shutdown; `mountstatus unmount` aborts other network and FUSE mounts'],
    [tmp, 'it is a memory filesystem \\(tmpfs\\)'],
    ['/', 'it is the root filesystem'],
  ] as const) {
    const r = await runCli(['disconnect', '--yes', '--socket', helper.socket, path]);
    assert.equal(r.code, 1, `${path}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^mountstatus disconnect: not disconnecting ${path}: ${why}`), path);
    await helper.daemon.waitFor(new RegExp(`Refused to disconnect ${path} for uid 0: ${why}`));
  }
  const nowhere = await runCli(['disconnect', '--yes', '--socket', helper.socket, `${tmp}/not-a-mount`]);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /not disconnecting .*\/not-a-mount: it is not a mountpoint/);
  assert.deepEqual(listMounts().map((m) => m.id).sort(), before, 'nothing was unmounted');
  assert.equal(mountsAt(fx.mountpoint).length, 1, 'the dead FUSE mount is still there');
});

test('a user outside the admin-group is refused (the helper has no disconnect-own-home)', { skip }, async () => {
  const { root, helper } = await setUp();
  const user = ensureTestUser();
  const tmp = mountTmpfs(root.join('user-scratch'));
  const r = await runCli(['disconnect', '--yes', '--socket', helper.socket, tmp], { user });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`not disconnecting ${tmp}: only root may disconnect \\(no admin-group is configured\\)`));
  await helper.daemon.waitFor(new RegExp(`Refused to disconnect ${tmp} for uid ${user.uid}: only root may disconnect`));
});

test('usage: --help, no mountpoint, two, an unknown option; no helper', { skip }, async () => {
  const help = await runCli(['disconnect', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: mountstatus disconnect \[--then-unmount\] \[--yes\]/);
  for (const args of [[], ['/a', '/b'], ['--gently', '/a'], ['']]) {
    const r = await runCli(['disconnect', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^mountstatus disconnect: .*\nusage: mountstatus disconnect/);
  }
  const absent = await runCli(['disconnect', '--yes', '--socket', '/nonexistent/helper.sock', '/mnt/x']);
  assert.equal(absent.code, 2);
  assert.match(absent.stderr, /\(tried \/nonexistent\/helper\.sock\)/);
});

test('the shutdown child, for a mount with no knob on this kernel: ENOSYS, and the mount untouched', { skip }, async () => {
  const { root } = await setUp();
  const tmp = mountTmpfs(root.join('no-knob'));
  const m = mountsAt(tmp)[0]!;
  const r = spawnSync(NFS_SHUTDOWN_PROGRAM, [String(m.id), m.device], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  // Without the NFS client there is no /sys/fs/nfs; with it, no directory for a tmpfs superblock.
  assert.match(r.stdout, /^fail ENOSYS this kernel has no (\/sys\/fs\/nfs \(no NFS client loaded\)|shutdown knob for NFS superblock \d+:\d+ \(Linux 6\.6 added)/);
  assert.equal(mountsAt(tmp).length, 1);
  const usage = spawnSync(NFS_SHUTDOWN_PROGRAM, ['12x', m.device], { encoding: 'utf8' });
  assert.equal(usage.status, 2, 'a malformed mount id is a usage error');
});
