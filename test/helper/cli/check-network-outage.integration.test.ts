// `mountstatus check` over a real network outage: an sshfs mount whose sshd is reached through a network
// namespace's loopback, the link cut with an nftables drop rule (test/support/sshfs-netns.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { makeTempRoot, mountTmpfs, mountsAt } from '../../support/mounts.js';
import { prepareHomeMountpoint, sshfsNetnsUnavailable, startSshfsNetns, type SshfsNetns } from '../../support/sshfs-netns.js';
import { ensureTestUser } from '../../support/test-user.js';
import { runCli } from './cli-harness.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? sshfsNetnsUnavailable() : ns.reason);

/** Generous: a restored link is answered at TCP's next retransmission, backed off to seconds. */
const BACK_WITHIN_MS = 60_000;

interface MountJson {
  mountpoint: string;
  state: string;
  fstype: string;
  latencyMs?: number;
}

async function check(include: string): Promise<{ code: number | null; ms: number; seconds: number; byPath: Map<string, MountJson>; stderr: string }> {
  const r = await runCli(['check', '--timeout', '2', '--json', '--include', include], { timeoutMs: 30_000 });
  const json = JSON.parse(r.stdout) as { seconds: number; mounts: MountJson[] };
  return { code: r.code, ms: r.ms, seconds: json.seconds, byPath: new Map(json.mounts.map((m) => [m.mountpoint, m])), stderr: r.stderr };
}

/**
 * Runs a command on the mount from a child process and waits at most `ms` for it. A command stuck on a
 * cut mount cannot be killed (its request is in sshfs's hands): `done` settles when the link is back or
 * the fixture is stopped.
 */
function runWithin(cmd: string, args: string[], ms: number): Promise<{ finished: boolean; code: number | null; out: string; done: Promise<void> }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const done = new Promise<void>((r) => child.once('close', () => r()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ finished: false, code: null, out, done }), ms);
    void done.then(() => {
      clearTimeout(timer);
      resolve({ finished: true, code: child.exitCode, out, done });
    });
  });
}

const processGone = (pid: number) => !existsSync(`/proc/${pid}`);

/** Stops the fixture and checks that it took everything with it: netns, mount, processes. */
async function stopAndAssertGone(fx: SshfsNetns): Promise<void> {
  const pids = [fx.sshdPid, fx.sshfsPid, ...fx.netnsPids()];
  await fx.stop();
  assert.ok(!spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(fx.netns), `${fx.netns} still listed`);
  assert.ok(!mountsAt(fx.mountpoint).some((m) => m.id === fx.mountId), 'the sshfs mount is still in mountinfo');
  // Killed processes whose parent had gone (ssh, sshd's session children) are re-parented to init and
  // stay zombies until it reaps them: wait for that, generously.
  const deadline = Date.now() + 15_000;
  while (pids.some((p) => !processGone(p)) && Date.now() < deadline) await sleep(50);
  assert.deepEqual(pids.filter((p) => !processGone(p)), [], 'processes the fixture started are still there');
}

test('an sshfs mount whose network is cut is hung within the 2 s timeout while the others stay ok, and ok again once the link is back', { skip, timeout: 180_000 }, async (t) => {
  const root = makeTempRoot('msm-sshfs-outage-');
  const fine = mountTmpfs(root.join('fine'), { source: 'msm-fine' });
  const fx = await startSshfsNetns(root.join('remote'));
  const stragglers: Promise<void>[] = [];
  t.after(async () => {
    await fx.stop();
    await Promise.all(stragglers);
    root.cleanup();
  });
  writeFileSync(join(fx.serverDir, 'file'), 'served\n'); // on the server side, never through the mount
  const remote = fx.mountpoint;

  // The mount is in this file's mount namespace, and not in the host's (PID 1's).
  assert.equal(mountsAt(remote).at(-1)?.fstype, 'fuse.sshfs');
  assert.ok(!readFileSync('/proc/1/mountinfo', 'utf8').includes(remote), 'the sshfs mount leaked to the host');
  assert.equal(readFileSync(`/proc/${fx.sshdPid}/comm`, 'utf8').trim(), 'sshd', 'sshdPid is sshd itself');
  assert.ok(fx.netnsPids().includes(fx.sshdPid));

  const before = await check(`${root.path}/**`);
  assert.equal(before.byPath.get(remote)?.state, 'ok', `before the cut: ${JSON.stringify(before.byPath.get(remote))} ${before.stderr}`);
  assert.equal(before.byPath.get(fine)?.state, 'ok');
  assert.equal(before.code, 0, before.stderr);
  const ls = await runWithin('ls', [remote], 10_000);
  assert.ok(ls.finished && ls.code === 0 && ls.out.includes('file'), `ls before the cut: ${ls.out}`);

  fx.cut();
  const cutAt = Date.now();
  // What a user sees first: a listing answered from sshfs's cache (dir_cache, 20 s) or a hang.
  const cachedLs = await runWithin('ls', [remote], 3_000);
  if (!cachedLs.finished) stragglers.push(cachedLs.done);
  console.log(`# ls of the mount right after the cut: ${cachedLs.finished ? `exit ${cachedLs.code}, ${JSON.stringify(cachedLs.out.trim())} (from sshfs's cache)` : 'no answer in 3 s'}`);

  const during = await check(`${root.path}/**`);
  console.log(`# check after the cut: ${during.ms} ms (sweep ${during.seconds} s) for a 2 s timeout; ${Date.now() - cutAt} ms since the cut`);
  assert.equal(during.byPath.get(remote)?.state, 'hung', `after the cut: ${JSON.stringify(during.byPath.get(remote))}\n${fx.logs()}`);
  assert.equal(during.byPath.get(fine)?.state, 'ok', 'a healthy mount stays ok beside the cut one');
  assert.equal(during.code, 1);
  assert.ok(during.seconds < 2 + 3, `sweep took ${during.seconds} s with a 2 s timeout`);
  assert.ok(fx.isCut);

  fx.restore();
  const restoredAt = Date.now();
  let after = await check(`${root.path}/**`);
  let checks = 1;
  while (after.byPath.get(remote)?.state !== 'ok' && Date.now() - restoredAt < BACK_WITHIN_MS) {
    await sleep(500);
    after = await check(`${root.path}/**`);
    checks++;
  }
  console.log(`# ok again ${Date.now() - restoredAt} ms after the restore (${checks} checks)`);
  assert.equal(after.byPath.get(remote)?.state, 'ok', `${BACK_WITHIN_MS} ms after the restore: ${JSON.stringify(after.byPath.get(remote))}\n${fx.logs()}`);
  assert.equal(after.byPath.get(fine)?.state, 'ok');
  assert.equal(after.code, 0);

  await Promise.all(stragglers); // the link is back: a listing that hung has its answer by now
  await stopAndAssertGone(fx);
});

test("as a user's home (owned by the user, at the user's home path), the mount is probed ok and hung after the cut", { skip, timeout: 120_000 }, async (t) => {
  const user = ensureTestUser();
  const home = spawnSync('getent', ['passwd', user.name], { encoding: 'utf8' }).stdout.split(':')[5] ?? '';
  assert.match(home, /^\/.+\/[^/]+$/, `home of ${user.name}`);
  const fx = await startSshfsNetns(prepareHomeMountpoint(home), { owner: user });
  t.after(() => fx.stop());

  const owner = await runWithin('stat', ['-c', '%u:%g', home], 10_000);
  assert.equal(owner.out.trim(), `${user.uid}:${user.gid}`, 'the mount root reports the user as owner');
  // Root mounted it: mountinfo's user_id says root, only stat(2) says the user (see the fixture's header).
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.startsWith(`${fx.mountId} `));
  assert.match(line ?? '', /[ ,]user_id=0,/);
  const asUser = spawnSync('ls', [home], { uid: user.uid, gid: user.gid, timeout: 10_000 });
  assert.equal(asUser.status, 0, `the user lists their home: ${asUser.stderr}`);

  assert.equal((await check(home)).byPath.get(home)?.state, 'ok');
  fx.cut();
  const during = await check(home);
  assert.equal(during.byPath.get(home)?.state, 'hung', `${JSON.stringify(during.byPath.get(home))}\n${fx.logs()}`);
  await stopAndAssertGone(fx);
});
