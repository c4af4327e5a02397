// msm-unmount, the helper's unmount child, run exactly as the helper runs it, against the attack it
// exists for: a user who owns a directory on the way to a dead mount swaps it (for a symlink, or another
// directory) so that root's unmount would hit another mount. It must refuse when the path no longer
// leads to the mount the helper identified, and when the swap comes while it is already at work (waiting
// for a freed program to let go), unmount the identified mount all the same and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { listMounts, makeTempRoot, mountsAt, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';
import { runUnmountChild, UNMOUNT_PROGRAM, unmountProgramMissing, type UnmountChildRequest } from '../../../src/helper/recovery/unmount-child.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? unmountProgramMissing()) : ns.reason);
const cleanups = cleanupsAfter();


interface Scene {
  user: TestUser;
  root: TempRoot;
  /** The user's directory: root/<n>/p, with d inside it, holding the target's mountpoint d/m. */
  p: string;
  target: FuseFixture;
  /** Another mount at v/m, where a swapped path would lead. */
  victim: FuseFixture;
}

let fusectl = false;
let scenes = 0;

async function scene(): Promise<Scene> {
  const user = ensureTestUser();
  const root = makeTempRoot('msm-unmount-swap-');
  cleanups.push(() => root.cleanup());
  if (!fusectl) {
    // fusectl private to this namespace, so the abort file the helper writes exists here too.
    spawnSync('mount', ['-t', 'fusectl', 'none', '/sys/fs/fuse/connections']);
    fusectl = true;
  }
  const n = String(scenes++);
  mkdirSync(root.join(n));
  const p = root.join(n, 'p');
  mkdirSync(p);
  mkdirSync(join(p, 'd'));
  chownSync(p, user.uid, user.gid);
  chownSync(join(p, 'd'), user.uid, user.gid);
  mkdirSync(root.join(n, 'v'));
  const target = await startFuseFixture(join(p, 'd', 'm'));
  cleanups.push(() => target.stop());
  const victim = await startFuseFixture(root.join(n, 'v', 'm'));
  cleanups.push(() => victim.stop());
  return { user, root, p, target, victim };
}

function device(fx: FuseFixture): string {
  const line = listMounts().find((m) => m.id === fx.mountId);
  assert.ok(line, 'mounted');
  // listMounts() has no device; mountinfo field 3 does.
  const raw = spawnSync('awk', [`$1 == ${fx.mountId} { print $3 }`, '/proc/self/mountinfo'], { encoding: 'utf8' }).stdout.trim();
  assert.match(raw, /^\d+:\d+$/);
  return raw;
}

function request(fx: FuseFixture, path: string, more: Partial<UnmountChildRequest> = {}): UnmountChildRequest {
  return { mountId: fx.mountId, device: device(fx), mountpoint: path, abortFuse: true, force: true, detachIfBusy: false, ...more };
}

function mounted(fx: FuseFixture): boolean {
  return listMounts().some((m) => m.id === fx.mountId);
}

/** As the user, in their directory p: `d` becomes d2, and a new `d` is made by `then` (a symlink, a directory). */
function swap(s: Scene, then: string): void {
  const r = spawnSync('setpriv', [`--reuid=${s.user.uid}`, `--regid=${s.user.gid}`, '--clear-groups', 'sh', '-c', `cd '${s.p}' && mv d d2 && ${then}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** Whether the victim still answers: a child reads its file (this process never touches a mountpoint). */
function answers(fx: FuseFixture, at = fx.mountpoint): boolean {
  return spawnSync('cat', [join(at, 'hello.txt')], { timeout: 5000 }).status === 0;
}

test('the identity check: another mount id, another device, a symlink on the way or a path not from mountinfo are refused', { skip }, async () => {
  const s = await scene();
  const path = s.target.mountpoint;
  let r = await runUnmountChild({ ...request(s.target, path), mountId: s.victim.mountId }, 5000);
  assert.deepEqual([r.kind, r.kind === 'failed' && r.errno], ['failed', 'EXDEV']);
  r = await runUnmountChild({ ...request(s.target, path), device: '0:1' }, 5000);
  assert.deepEqual([r.kind, r.kind === 'failed' && r.errno], ['failed', 'EXDEV']);
  const link = join(s.root.path, 'link');
  symlinkSync(s.p, link);
  r = await runUnmountChild(request(s.target, join(link, 'd', 'm')), 5000);
  assert.deepEqual([r.kind, r.kind === 'failed' && r.errno], ['failed', 'ELOOP']);
  for (const bad of ['/', `${path}/`, `${s.p}/d/../d/m`, `${s.p}//d/m`, 'relative/m']) {
    r = await runUnmountChild(request(s.target, bad), 5000);
    assert.deepEqual([r.kind, r.kind === 'failed' && r.errno], ['failed', 'EINVAL'], bad);
  }
  assert.ok(mounted(s.target) && mounted(s.victim), 'nothing unmounted');
  assert.ok(answers(s.target), 'nothing aborted: the identity is checked before the FUSE connection is aborted');
});

test('a swap before the child starts: a symlink is refused (ELOOP), another directory is refused (EXDEV); nothing is touched', { skip }, async () => {
  const s = await scene();
  const req = request(s.target, s.target.mountpoint); // identified before the swap
  swap(s, "ln -s ../v d"); // p/d/m now leads to the victim's mount
  let r = await runUnmountChild(req, 5000);
  assert.deepEqual([r.kind, r.kind === 'failed' && r.errno], ['failed', 'ELOOP'], JSON.stringify(r));
  spawnSync('setpriv', [`--reuid=${s.user.uid}`, `--regid=${s.user.gid}`, '--clear-groups', 'sh', '-c', `cd '${s.p}' && rm d && mkdir -p d/m`]);
  r = await runUnmountChild(req, 5000);
  assert.deepEqual([r.kind, r.kind === 'failed' && r.errno], ['failed', 'EXDEV'], JSON.stringify(r));
  assert.ok(mounted(s.target), 'the target stays (at its new path)');
  assert.ok(mounted(s.victim), 'the victim stays');
  assert.ok(answers(s.victim) && answers(s.target, join(s.p, 'd2', 'm')), 'and neither connection was aborted');
});

test('a swap while the child waits for a busy mount: the identified mount is unmounted, the one the path now leads to is not', { skip }, async () => {
  const s = await scene();
  const holder: ChildProcess = spawn('sleep', ['120'], { cwd: s.target.mountpoint, stdio: 'ignore' });
  cleanups.push(() => void holder.kill('SIGKILL'));
  await sleep(200);
  const req = request(s.target, s.target.mountpoint, { busyWaitMs: 8000 });
  const running = runUnmountChild(req, 20_000);
  // The child is in its retry loop once its cwd is the pinned parent directory (fchdir before umount2).
  const pid = await childPid();
  const parent = join(s.p, 'd');
  const deadline = Date.now() + 5000;
  while (cwdOf(pid) !== parent) {
    assert.ok(Date.now() < deadline, `msm-unmount ${pid} never reached its unmount (cwd ${cwdOf(pid)})`);
    await sleep(5);
  }
  swap(s, 'ln -s ../v d');
  assert.equal(readlinkSync(join(s.p, 'd')), '../v', 'the path now leads to the victim');
  holder.kill('SIGKILL');
  const r = await running;
  assert.equal(r.kind, 'done', JSON.stringify(r));
  assert.ok(r.steps.some((x) => /^aborted FUSE connection \d+$/.test(x)), r.steps.join('\n'));
  assert.equal(mounted(s.target), false, 'the identified mount (now at d2/m) is gone');
  assert.equal(mountsAt(join(s.p, 'd2', 'm')).length, 0);
  assert.ok(mounted(s.victim), 'the victim is still mounted');
  assert.ok(answers(s.victim), 'and answers');
});

/** The msm-unmount child this process started last. */
async function childPid(): Promise<number> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = spawnSync('pgrep', ['-n', '-P', String(process.pid), '-f', UNMOUNT_PROGRAM], { encoding: 'utf8' });
    const pid = Number(r.stdout.trim());
    if (pid > 0) return pid;
    assert.ok(Date.now() < deadline, 'msm-unmount did not start');
    await sleep(5);
  }
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}
