// The attack on an unmount by name: a user who may write to the root of a root-owned tmpfs (a team's
// group-writable scratch space) stacks her own FUSE mount on it, keeps it busy (a process with its cwd
// inside), and detaches it herself (`fusermount3 -u -z`) while the helper's unmount child retries the busy
// mount. An unmount that called umount2() on the name again would then unmount the tmpfs beneath, and its
// files would be lost. The tmpfs and its file must survive every time, whenever the detach comes, and the
// unmount must end saying the mount left; through msm-unmount itself (raced over many iterations),
// `mountstatus unmount`, and a `recover` rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fuseFixtureUnavailable, openDevFuse } from '../../support/fuse-fixture.js';
import { listMounts, makeTempRoot, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { asUser, ensureTestUser, type TestUser } from '../../support/test-user.js';
import { startUserFuse, type UserFuse } from '../../support/user-fuse.js';
import { runCli } from '../cli/cli-harness.js';
import { startRecoveryDaemon } from './recovery-daemon.js';
import { runUnmountChild, UNMOUNT_PROGRAM, unmountProgramMissing } from '../../../src/helper/recovery/unmount-child.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? unmountProgramMissing()) : ns.reason);
const cleanups = cleanupsAfter();


let root: TempRoot | undefined;
let scenes = 0;

function setUpRoot(): TempRoot {
  if (root) return root;
  root = makeTempRoot('msm-unmount-stacked-', '256m');
  const r = root;
  cleanups.push(() => r.cleanup());
  openDevFuse(r.path);
  // fusectl, private to this namespace: the abort file the unmount child writes.
  spawnSync('mount', ['-t', 'fusectl', 'none', '/sys/fs/fuse/connections']);
  return r;
}

interface Scene {
  user: TestUser;
  /** Where both are mounted: the team's tmpfs, and on it the user's FUSE mount. */
  path: string;
  tmpfsId: number;
  fuse: UserFuse;
  /** The user's process with its cwd in her FUSE mount: it keeps the mount busy. */
  holder: ChildProcess;
}

const PRECIOUS = 'the team’s results, root-only\n';

/** A root-owned tmpfs, group-writable by the user's group, holding a root-only file; her FUSE mount on its root. */
async function scene(): Promise<Scene> {
  const user = ensureTestUser();
  const r = setUpRoot();
  const dir = r.join(String(scenes++));
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const path = `${dir}/team`;
  mountTmpfs(path, { mode: 0o775, gid: user.gid, source: 'team-scratch' });
  writeFileSync(`${path}/results.txt`, PRECIOUS, { mode: 0o600 });
  const tmpfsId = listMounts().find((m) => m.mountpoint === path && m.fstype === 'tmpfs')!.id;
  const fuse = await startUserFuse(path, user);
  cleanups.push(() => fuse.stop());
  const [cmd, ...args] = asUser(user, ['sh', '-c', 'cd "$1" && exec sleep 600', 'sh', path]);
  const holder = spawn(cmd!, args, { stdio: 'ignore' });
  cleanups.push(() => void holder.kill('SIGKILL'));
  const deadline = Date.now() + 5000;
  while (cwdOf(holder.pid!) !== path) {
    assert.ok(Date.now() < deadline, 'the holder never entered the FUSE mount');
    await sleep(10);
  }
  return { user, path, tmpfsId, fuse, holder };
}

function deviceOf(mountId: number): string {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.startsWith(`${mountId} `));
  assert.ok(line, `mount ${mountId} is in the table`);
  return line.split(' ')[2]!;
}

function mounted(id: number): boolean {
  return listMounts().some((m) => m.id === id);
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The msm-unmount child (of this process or the daemon) working on `path`, once it is in its retry loop. */
async function unmountChildInLoop(path: string, timeoutMs: number): Promise<number> {
  const hex = Buffer.from(path).toString('hex');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = Number(spawnSync('pgrep', ['-n', '-f', `${UNMOUNT_PROGRAM} .*${hex}$`], { encoding: 'utf8' }).stdout.trim());
    // It enters the mountpoint's directory (fchdir) right before its first unmount by name.
    if (pid > 0 && cwdOf(pid) === dirname(path)) return pid;
    assert.ok(Date.now() < deadline, `no msm-unmount for ${path} reached its unmount loop`);
    await sleep(2);
  }
}

/** As the user: detach her own FUSE mount (fusermount3 is setuid root), as a user may at any time. */
function detachAsUser(s: Scene): number {
  const started = Date.now();
  const [cmd, ...args] = asUser(s.user, ['fusermount3', '-u', '-z', s.path]);
  const r = spawnSync(cmd!, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `fusermount3 -u -z: ${r.stderr}`);
  return Date.now() - started;
}

/** The tmpfs beneath is still mounted, and its root-only file still holds what it held. */
function assertTeamTmpfsIntact(s: Scene, what: string): void {
  assert.ok(mounted(s.tmpfsId), `${what}: the root-owned tmpfs beneath is still mounted`);
  const top = listMounts().filter((m) => m.mountpoint === s.path);
  assert.equal(top.at(-1)?.id, s.tmpfsId, `${what}: and is what ${s.path} leads to`);
  // This process never touches a FUSE mountpoint, but the FUSE mount is gone: the tmpfs is there now.
  assert.equal(readFileSync(`${s.path}/results.txt`, 'utf8'), PRECIOUS, `${what}: its file is intact`);
  assert.equal(statSync(`${s.path}/results.txt`).mode & 0o7777, 0o600);
}

test('msm-unmount: whenever she detaches her busy FUSE mount during the retries, the tmpfs beneath survives and the unmount ends with "left"', { skip, timeout: 300_000 }, async () => {
  const ITERATIONS = 30;
  const BUSY_WAIT_MS = 3000;
  const outcomes = new Map<string, number>();
  const detachMs: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const s = await scene();
    const running = runUnmountChild(
      { mountId: s.fuse.mountId, device: deviceOf(s.fuse.mountId), mountpoint: s.path, abortFuse: true, force: true, detachIfBusy: false, busyWaitMs: BUSY_WAIT_MS },
      20_000,
    );
    await unmountChildInLoop(s.path, 10_000);
    // Spread over the first second of the retry loop (a try every 20 ms), so the detach lands at every phase of it.
    await sleep((i * 37) % 1000);
    detachMs.push(detachAsUser(s));
    const r = await running;
    const key = r.kind === 'done' ? `done ${r.what}` : r.kind === 'failed' ? `failed ${r.errno}` : r.kind;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    assertTeamTmpfsIntact(s, `iteration ${i} (${key})`);
    assert.equal(mounted(s.fuse.mountId), false, 'her FUSE mount is gone (she detached it)');
    assert.deepEqual([r.kind, r.kind === 'done' && r.what], ['done', 'left'], `iteration ${i}: ${JSON.stringify(r)}`);
    assert.ok(r.steps.some((x) => /left the mount table during the unmount/.test(x)), r.steps.join('\n'));
    s.holder.kill('SIGKILL');
  }
  console.log(`# ${ITERATIONS} races: ${[...outcomes].map(([k, n]) => `${n}× ${k}`).join(', ')}; fusermount3 -u -z took ${Math.min(...detachMs)}–${Math.max(...detachMs)} ms`);
});

test('mountstatus unmount and a recover rule: her detach during the unmount leaves the tmpfs and its file, and the result says she left', { skip, timeout: 120_000 }, async () => {
  const r = setUpRoot();
  const { socket, daemon } = await startRecoveryDaemon({
    config: ['timeout = 2', 'recover = fstype:fuse.msm-fusefix after 2s force'],
    // Watched: probed every second, so the rule's 2 s start soon.
    args: ['--include', `${r.path}/**`, '--watch', `${r.path}/*/team`],
    cleanups,
  });

  // mountstatus unmount (root), her mount answering: --yes.
  const s = await scene();
  const cli = runCli(['unmount', '--force', '--yes', '--socket', socket, s.path], { timeoutMs: 30_000 });
  await unmountChildInLoop(s.path, 15_000);
  await sleep(300);
  detachAsUser(s);
  const answer = await cli;
  assertTeamTmpfsIntact(s, 'mountstatus unmount');
  assert.equal(answer.code, 0, answer.stderr + answer.stdout);
  assert.match(answer.stdout, /is gone: someone else unmounted it during the unmount, and nothing else was unmounted\./);
  await daemon.waitFor(new RegExp(`Couldn't unmount ${s.path}: someone else unmounted it during the unmount; nothing else was unmounted`));
  s.holder.kill('SIGKILL');

  // The recover rule: her mount stops answering, the rule fires 2 s later, she detaches it meanwhile.
  const p = await scene();
  p.fuse.setMode('hang');
  await unmountChildInLoop(p.path, 30_000).catch((e: Error) => assert.fail(`${e.message}\n${daemon.stderr}`));
  await sleep(500);
  detachAsUser(p);
  await daemon.waitFor(new RegExp(`Couldn't unmount ${p.path}: someone else unmounted it during the unmount; nothing else was unmounted`), 15_000);
  assertTeamTmpfsIntact(p, 'recover rule');
  assert.equal(daemon.count(/Force-unmounted/), 0, `nothing reported unmounted:\n${daemon.stderr}`);
  p.holder.kill('SIGKILL');
});
