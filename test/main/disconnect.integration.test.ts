// "Disconnect" of a user's own FUSE mount, done as that user, no helper involved (src/main/
// disconnect.ts): the user mounts a FUSE filesystem through fusermount3 (as sshfs or rclone would), it
// freezes with one of their programs blocked on it, and the app's function, run as the user, frees the
// program and takes the mount away. A mount that is not theirs is refused and untouched; for it the
// advice names who can act and the exact command.
//
// /dev/fuse is 0600 on this machine and /etc/fuse.conf lacks user_allow_other: both are replaced inside
// this file's private mount namespace only (a 0666 node bound over /dev/fuse, a fuse.conf bound over).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixture } from '../support/fuse-fixture.js';
import { bindMount, listMounts, makeTempRoot, type TempRoot } from '../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { ensureTestUser, type TestUser } from '../support/test-user.js';
import { readMountTable } from '../../src/node/mount-table/read-mount-table.js';
import { entryOf, recoveryAdvice } from '../../src/main/disconnect.js';
import type { MountStatus } from '../../src/common/mount.js';
import { cleanupsAfter } from '../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const noFusermount = spawnSync('fusermount3', ['-V']).error ? 'fusermount3 is missing: apt-get install fuse3' : undefined;
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? noFusermount) : ns.reason);
const cleanups = cleanupsAfter();

const disconnectModule = fileURLToPath(new URL('../../src/main/disconnect.js', import.meta.url));

let world: { user: TestUser; root: TempRoot } | undefined;

function setUp() {
  if (world) return world;
  const user = ensureTestUser();
  const root = makeTempRoot('msm-disconnect-');
  cleanups.push(() => root.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'msm-disconnect-dev-'));
  const node = join(dir, 'fuse');
  const mk = spawnSync('mknod', ['-m', '0666', node, 'c', '10', '229'], { encoding: 'utf8' });
  assert.equal(mk.status, 0, mk.stderr);
  bindMount(node, '/dev/fuse', { mkdir: false });
  const conf = join(dir, 'fuse.conf');
  writeFileSync(conf, 'user_allow_other\n');
  bindMount(conf, '/etc/fuse.conf', { mkdir: false });
  spawnSync('mount', ['-t', 'fusectl', 'none', '/sys/fs/fuse/connections']);
  world = { user, root };
  return world;
}

/** A FUSE mount the user makes themselves (fusermount3): user_id= is theirs. */
async function usersMount(name: string): Promise<FuseFixture> {
  const { user, root } = setUp();
  const mountpoint = root.join(name);
  mkdirSync(mountpoint);
  chownSync(mountpoint, user.uid, user.gid); // fusermount3 mounts only where the user may write
  const fx = await startFuseFixture(mountpoint, { user: { uid: user.uid, gid: user.gid } });
  cleanups.push(() => fx.stop());
  return fx;
}

function status(fx: FuseFixture, state: MountStatus['state'] = 'hung'): MountStatus {
  return { mountpoint: fx.mountpoint, source: 'msm-fusefix', fstype: 'fuse.msm-fusefix', mountId: fx.mountId, state, since: Date.now() };
}

/** Runs disconnectOwnMount in a Node process as the user, as the tray app would. */
function disconnectAs(user: TestUser, fx: FuseFixture): { gone: boolean; steps: string[]; reason?: string } {
  const script = `
    const { disconnectOwnMount } = await import(${JSON.stringify(disconnectModule)});
    const r = await disconnectOwnMount({ mountId: ${fx.mountId}, mountpoint: ${JSON.stringify(fx.mountpoint)} });
    console.log(JSON.stringify(r));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: user.uid, gid: user.gid, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

test("a user's own frozen FUSE mount: Disconnect, as that user, frees their blocked program and removes the mount", { skip }, async () => {
  const { user } = setUp();
  const fx = await usersMount('own');
  const table = await readMountTable();
  const entry = entryOf(status(fx), table);
  assert.ok(entry, 'in the table');
  assert.match(entry.superOptions.join(','), new RegExp(`user_id=${user.uid}`));
  assert.deepEqual(recoveryAdvice(status(fx), entry, user.uid), { kind: 'disconnect', label: 'Disconnect', mountpoint: fx.mountpoint });
  const admin = recoveryAdvice(status(fx), entry, 0);
  assert.equal(admin.kind, 'admin', 'for anyone else it is an administrator\'s job');
  assert.equal(admin.kind === 'admin' && admin.command, `sudo mountstatus unmount --force ${fx.mountpoint}`);
  assert.equal(recoveryAdvice(status(fx, 'ok'), entry, user.uid).kind, 'none', 'nothing offered while it answers');

  const cat = spawn('sh', ['-c', 'read x; exec cat hello.txt'], { cwd: fx.mountpoint, uid: user.uid, gid: user.gid, stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.push(() => void cat.kill('SIGKILL'));
  const catExit = new Promise<number>((resolve) => cat.once('exit', () => resolve(Date.now())));
  await fx.freeze();
  cat.stdin!.write('go\n');
  await sleep(500);
  assert.equal(cat.exitCode, null, 'the program is stuck on the frozen mount');

  const started = Date.now();
  const r = disconnectAs(user, fx);
  assert.equal(r.gone, true, JSON.stringify(r));
  assert.match(r.steps.join('\n'), /aborted FUSE connection \d+/);
  assert.match(r.steps.join('\n'), /fusermount3 -u -z: .* is unmounted/);
  const freedMs = (await catExit) - started;
  console.log(`# the user's blocked program was freed ${freedMs} ms after Disconnect`);
  assert.ok(freedMs <= 3000, `freed after ${freedMs} ms`);
  assert.equal(listMounts().some((m) => m.id === fx.mountId), false, 'the mount is gone');
});

test('a FUSE mount that is not the user\'s is refused and untouched; the advice names the command', { skip }, async () => {
  const { user, root } = setUp();
  const fx = await startFuseFixture(root.join('roots'));
  cleanups.push(() => fx.stop());
  const entry = entryOf(status(fx), await readMountTable());
  const advice = recoveryAdvice(status(fx), entry, user.uid);
  assert.equal(advice.kind, 'admin');
  assert.match(advice.kind === 'admin' ? advice.text : '', /Only an administrator \(root, or a member of the helper's admin-group\) can unmount/);
  const r = disconnectAs(user, fx);
  assert.equal(r.gone, false);
  assert.match(r.reason ?? '', new RegExp(`is not a FUSE mount made by uid ${user.uid}`));
  assert.ok(listMounts().some((m) => m.id === fx.mountId), 'untouched');
  assert.equal(spawnSync('cat', [join(fx.mountpoint, 'hello.txt')], { timeout: 5000 }).status, 0, 'and still answering');
});
