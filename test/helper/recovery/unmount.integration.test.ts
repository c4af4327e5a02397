// `mountstatus unmount` against a real daemon over real FUSE mounts, watched the way users see
// it (`mountstatus status --follow --json`): a reader stuck on a held request is freed and the mount goes;
// --force leaves a busy mount in place and --lazy detaches it; a user outside the admin-group is refused
// and the mount keeps working; a member of it may; an unmount child that hangs in the kernel is killed and
// reported; on a terminal the blocked programs are listed and the user is asked first.
//
// The daemon runs in this file's private mount namespace, so it is told (MSM_HOST_NAMESPACE_PID) that this
// namespace is the host's; unmount-never.lab.test.ts shows the refusal without that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuseFixtureUnavailable, startFuseFixture, threadStates, type FuseFixture } from '../../support/fuse-fixture.js';
import { bindMount, makeTempRoot, mountsAt, mountTmpfs, umount, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, TEST_SUPPLEMENTARY_GROUP, type TestUser } from '../../support/test-user.js';
import { BIN, runCli, type DaemonProcess } from '../cli/cli-harness.js';
import { startRecoveryDaemon } from './recovery-daemon.js';
import { Follower } from '../cli/follow-client.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();


interface World {
  user: TestUser;
  root: TempRoot;
  socket: string;
  daemon: DaemonProcess;
  follow: Follower;
}

let world: World | undefined;

/** One daemon for the file: members of msm-test-sup may unmount; mounts named w-* are watched (probed every second). */
async function setUp(): Promise<World> {
  if (world) return world;
  const user = ensureTestUser();
  const root = makeTempRoot('msm-recovery-');
  cleanups.push(() => root.cleanup());
  // fusectl, private to this namespace (systemd mounts it on a real host): the abort file the helper writes.
  spawnSync('mount', ['-t', 'fusectl', 'none', '/sys/fs/fuse/connections']);
  const { socket, daemon } = await startRecoveryDaemon({
    config: [`admin-group = ${TEST_SUPPLEMENTARY_GROUP}`, 'timeout = 2'],
    args: ['--include', `${root.path}/**`, '--watch', `${root.path}/w-*`],
    cleanups,
  });
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  world = { user, root, socket, daemon, follow };
  return world;
}

async function fuse(name: string): Promise<FuseFixture> {
  const { root } = await setUp();
  const fx = await startFuseFixture(root.join(name));
  cleanups.push(() => fx.stop());
  return fx;
}

/** A program whose cwd is in the mount, that reads a file there once told to: blocked when the mount is. */
function reader(fx: FuseFixture, as?: TestUser): ChildProcess {
  const child = spawn('sh', ['-c', 'read x; exec cat hello.txt'], {
    cwd: fx.mountpoint,
    stdio: ['pipe', 'ignore', 'ignore'],
    ...(as ? { uid: as.uid, gid: as.gid } : {}),
  });
  cleanups.push(() => void child.kill('SIGKILL'));
  return child;
}

function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(Date.now());
  return new Promise((resolve) => child.once('exit', () => resolve(Date.now())));
}

function stillMounted(fx: FuseFixture): boolean {
  return mountsAt(fx.mountpoint).some((m) => m.id === fx.mountId);
}

/** Waits until the user-visible status of the mount says it is not answering. */
async function notAnswering(fx: FuseFixture, withBlocked = 0): Promise<void> {
  const { follow } = await setUp();
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && ['slow', 'hung', 'stuck'].includes(m.state ?? '') && (m.blocked?.count ?? 0) >= withBlocked, 15_000);
}

test('a reader blocked on a held FUSE request is freed within 3 s of unmount --force, and the mount is gone', { skip }, async () => {
  const { socket, daemon, follow } = await setUp();
  const fx = await fuse('w-held');
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.state === 'ok');
  const cat = reader(fx);
  const catGone = exited(cat);
  fx.setMode('hang');
  cat.stdin!.write('go\n');
  await notAnswering(fx, 1);
  assert.equal(cat.exitCode, null, 'the reader is stuck');

  const mark = follow.lines.length;
  const started = Date.now();
  const r = await runCli(['unmount', '--socket', socket, fx.mountpoint]);
  const freedMs = (await catGone) - started;
  console.log(`# reader freed ${freedMs} ms after unmount --force started; the command took ${r.ms} ms`);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.ok(freedMs <= 3000, `the blocked reader exited ${freedMs} ms after the unmount started`);
  assert.match(r.stdout, /aborted FUSE connection \d+/);
  assert.match(r.stdout, /^(\d+) of \1 blocked programs? released$/m);
  assert.match(r.stdout, new RegExp(`${fx.mountpoint} is unmounted\\.`));
  assert.equal(stillMounted(fx), false, 'the mount is gone from the table');
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.removed === true, 10_000, mark);
  await daemon.waitFor(new RegExp(`Force-unmounted ${fx.mountpoint} as asked by uid 0: \\d+ blocked process(es)? released`));
});

test('--force leaves a mount some program keeps open, naming it; --lazy detaches it and the program keeps its copy', { skip }, async () => {
  const { socket, daemon } = await setUp();
  const fx = await fuse('w-busy');
  const holder = spawn('sleep', ['120'], { cwd: fx.mountpoint, stdio: 'ignore' });
  cleanups.push(() => void holder.kill('SIGKILL'));
  await sleep(200);
  await fx.freeze();
  await notAnswering(fx);

  const force = await runCli(['unmount', '--force', '--socket', socket, fx.mountpoint]);
  assert.equal(force.code, 1, force.stdout);
  assert.match(force.stderr, new RegExp(`could not unmount ${fx.mountpoint}: ${fx.mountpoint} is still in use by sleep\\[${holder.pid}\\] \\(cwd\\)`));
  assert.ok(stillMounted(fx), '--force left the busy mount in place');
  await daemon.waitFor(new RegExp(`Couldn't unmount ${fx.mountpoint}: .*still in use by sleep\\[${holder.pid}\\]`));

  const lazy = await runCli(['unmount', '--lazy', '--socket', socket, fx.mountpoint]);
  assert.equal(lazy.code, 0, lazy.stderr + lazy.stdout);
  assert.match(lazy.stdout, /is detached \(it was still in use/);
  assert.equal(stillMounted(fx), false, 'detached: gone from the table');
  assert.equal(holder.exitCode, null, 'the program that held it runs on');
  assert.equal(readlinkSync(`/proc/${holder.pid}/cwd`), '/', 'its cwd is in the detached tree');
  await daemon.waitFor(new RegExp(`Lazily unmounted ${fx.mountpoint} as asked by uid 0`));
  holder.kill('SIGKILL');
});

test('a user outside the admin-group is refused, the refusal logged with their uid, and the mount untouched', { skip }, async () => {
  const { socket, daemon, follow } = await setUp();
  const nobody = spawnSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).stdout.split(':');
  const uid = Number(nobody[2]);
  assert.ok(Number.isInteger(uid) && uid > 0, 'user nobody exists');
  const fx = await fuse('w-refused');
  await fx.freeze();
  await notAnswering(fx);

  const r = await runCli(['unmount', '--socket', socket, fx.mountpoint], { uid, gid: Number(nobody[3]) });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`not unmounting ${fx.mountpoint}: uid ${uid} \\(nobody\\) is neither root nor a member of admin-group ${TEST_SUPPLEMENTARY_GROUP}`));
  await daemon.waitFor(new RegExp(`Refused to unmount ${fx.mountpoint} for uid ${uid}: `));
  assert.ok(stillMounted(fx), 'still mounted');
  // Untouched: its connection was not aborted, so it answers again once its daemon runs.
  const mark = follow.lines.length;
  fx.thaw();
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.state === 'ok', 15_000, mark);
});

test('a member of the admin-group may (from the group database: the process itself has no supplementary groups)', { skip }, async () => {
  const { socket, daemon, user } = await setUp();
  const fx = await fuse('w-admin');
  const cat = reader(fx, user);
  await fx.freeze();
  cat.stdin!.write('go\n');
  await notAnswering(fx, 1);
  const r = spawnSync(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', process.execPath, BIN, 'unmount', '--socket', socket, fx.mountpoint],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(stillMounted(fx), false);
  await daemon.waitFor(new RegExp(`Force-unmounted ${fx.mountpoint} as asked by uid ${user.uid}: 1 blocked process released`));
  await exited(cat);
});

test('an unmount child that hangs in the kernel is killed at the deadline and reported; the mount stays', { skip }, async () => {
  const { socket, daemon } = await setUp();
  // A mount whose parent directory lies on a FUSE mount that holds every request: reaching it hangs
  // (the lookup of its name), as a path walk through a dead NFS server does.
  const outer = await fuse('hang-outer');
  const inner = await fuse('hang-inner');
  const target = bindMount(join(inner.mountpoint, 'hello.txt'), join(outer.mountpoint, 'hello.txt'), { mkdir: false });
  const id = mountsAt(target).at(-1)!.id;
  outer.setMode('hang');

  const r = await runCli(['unmount', '--yes', '--socket', socket, target], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stdout);
  const m = /did not finish within 3\.5 seconds: its child process (\d+) was sent SIGKILL and is stuck in the kernel/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const pid = Number(m[1]);
  assert.ok(threadStates(pid).includes('D'), 'the child is in D state, where SIGKILL cannot reach it');
  assert.ok(mountsAt(target).some((e) => e.id === id), 'the mount is still there');
  await daemon.waitFor(new RegExp(`Couldn't unmount ${target}: .*child process ${pid} was sent SIGKILL`));

  outer.setMode('ok');
  const deadline = Date.now() + 10_000;
  while (threadStates(pid).length > 0) {
    assert.ok(Date.now() < deadline, `child ${pid} did not exit (and get reaped) once the filesystem let go`);
    await sleep(50);
  }
});

test('mounts under the dead one go first; one the helper never unmounts (tmpfs) refuses the whole', { skip }, async () => {
  const { socket, root } = await setUp();
  const fx = await fuse('w-parent');
  const other = await fuse('sub-source');
  const sub = bindMount(join(other.mountpoint, 'hello.txt'), join(fx.mountpoint, 'hello.txt'), { mkdir: false });
  const tmp = mountTmpfs(root.join('tmp-source'));
  writeFileSync(join(tmp, 'f'), 'x');
  const tmpSub = bindMount(join(tmp, 'f'), join(fx.mountpoint, 'notes.txt'), { mkdir: false });
  const refused = await runCli(['unmount', '--yes', '--socket', socket, fx.mountpoint]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`${tmpSub} is mounted under it, and that one is a memory filesystem \\(tmpfs\\)`));
  assert.ok(stillMounted(fx) && mountsAt(sub).length === 1 && mountsAt(tmpSub).length === 1, 'nothing touched');
  umount(tmpSub); // while the parent answers: unmounting under a frozen FUSE mount would wait on it

  await fx.freeze();
  await notAnswering(fx);
  const r = await runCli(['unmount', '--socket', socket, fx.mountpoint]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const lines = r.stdout.split('\n');
  const subAt = lines.findIndex((l) => l.startsWith(`${sub}: `));
  const parentAt = lines.findIndex((l) => l === `${fx.mountpoint}: unmounted`);
  assert.ok(subAt >= 0 && parentAt > subAt, `the mount under it first:\n${r.stdout}`);
  assert.equal(mountsAt(sub).length, 0);
  assert.equal(stillMounted(fx), false);
  assert.ok(mountsAt(other.mountpoint).some((m) => m.id === other.mountId), 'the submount\'s own source mount stays');
});

test('on a terminal the blocked programs are listed and nothing is done unless the user says yes', { skip }, async () => {
  const { socket, user } = await setUp();
  const fx = await fuse('w-ask');
  const cat = reader(fx, user);
  await fx.freeze();
  cat.stdin!.write('go\n');
  await notAnswering(fx, 1);

  const no = await onTerminal(['unmount', '--socket', socket, fx.mountpoint], 'n');
  assert.equal(no.code, 1, no.out);
  assert.match(no.out, new RegExp(`1 program is blocked on it:\\s+(?:sh|cat)\\[${cat.pid}\\] \\(uid ${user.uid}\\)`));
  assert.match(no.out, /abort the FUSE connection of .* then unmount it/);
  assert.match(no.out, /Force-unmount .*\? \[y\/N\]/);
  assert.match(no.out, /Nothing done\./);
  assert.ok(stillMounted(fx), 'declined: still mounted');

  const yes = await onTerminal(['unmount', '--socket', socket, fx.mountpoint], 'y');
  assert.equal(yes.code, 0, yes.out);
  assert.equal(stillMounted(fx), false);
  await exited(cat);
});

/** Runs mountstatus in a pseudo-terminal (script(1)), answers its question, returns what it showed. */
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  cleanups.push(() => void child.kill('SIGKILL'));
  let out = '';
  let answered = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no end within 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!answered && out.includes('[y/N]')) {
        answered = true;
        child.stdin!.write(`${answer}\r`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

