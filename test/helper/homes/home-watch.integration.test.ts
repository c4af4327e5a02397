// The home watch with a real `mountstatus daemon` (shipped defaults for the watch tier and slow-after)
// over a real FUSE mount holding a real user's home, watched by that user's own `status --follow`:
// - whose home is watched comes from the socket's peer credentials, not from what the client claims, and
//   from the logged-in users (systemd-logind's /run/systemd/users, private to this test's namespace);
// - a watched home that freezes is reported slow within 3 s, with the programs already waiting on it
//   (a non-root client sees only its own), and the daemon logs each once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { mountTmpfs } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';
import { DaemonProcess, runCli } from '../cli/cli-harness.js';
import { Follower } from '../cli/follow-client.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

interface World {
  user: TestUser;
  home: string;
  fx: FuseFixture;
  socket: string;
  daemon: DaemonProcess;
}

let world: World | undefined;

/** One daemon for the file: the user's home on a FUSE mount, /root on a tmpfs, no one logged in. */
async function setUp(): Promise<World> {
  if (world) return world;
  const user = ensureTestUser();
  // Namespace-private: the host's /home, /root and logind users are not touched.
  mountTmpfs('/home', { mode: 0o755 });
  mountTmpfs('/root', { mode: 0o700 });
  mountTmpfs('/run/systemd/users', { mode: 0o755 });
  const home = `/home/${user.name}`;
  const fx = await startFuseFixture(home, { uid: user.uid, gid: user.gid, rootMode: 0o700 });
  cleanups.push(() => fx.stop());
  const dir = mkdtempSync(join(tmpdir(), 'msm-homewatch-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'run', 'helper.sock');
  // Shipped defaults for everything the home watch uses; only the sweep scope is narrowed.
  const daemon = new DaemonProcess(['--include', '/home/**', '--include', '/root', '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked \d+ mounts in/);
  world = { user, home, fx, socket, daemon };
  return world;
}

function asUser(user: TestUser, cmd: string, args: string[], cwd?: string): ChildProcess {
  const child = spawn(cmd, args, { uid: user.uid, gid: user.gid, stdio: ['pipe', 'ignore', 'ignore'], ...(cwd ? { cwd } : {}) });
  cleanups.push(() => void child.kill('SIGKILL'));
  return child;
}

test("a client's home is found from the socket's peer credentials; a claimed uid changes nothing", { skip }, async () => {
  const { user, home, socket } = await setUp();
  // As the user, claiming to be root in hello: if the helper believed it, /root would be watched.
  const liar = await asUserRawClient(user, socket);
  cleanups.push(() => void liar.kill('SIGKILL'));
  const follow = new Follower(socket, { uid: user.uid, gid: user.gid });
  cleanups.push(() => follow.stop());
  const seen = await follow.waitFor((m) => m.mountpoint === home && m.watched === 'home' && m.state === 'ok', 10_000);
  assert.ok(seen);
  // Several watch-tier probes while the sweep interval is 60 s: the mount is probed every second.
  const first = follow.lines.filter((l) => l.mount.mountpoint === home).length;
  await sleep(3500);
  assert.ok(follow.lines.filter((l) => l.mount.mountpoint === home).length >= first + 2, 'probed every watch-interval');
  assert.equal(follow.latest('/root')?.watched, undefined, "root's home is not watched for a client that only claims uid 0");
  assert.equal(await follow.interrupt(), 0, 'status --follow ends with 0 on SIGINT');
  liar.kill('SIGKILL');
});

test('a logged-in user (systemd-logind) has their home watched without any client', { skip }, async () => {
  const { user, home, socket } = await setUp();
  // No client of the user is connected now; root's own status makes /root watched, not the user's home.
  await sleep(1500);
  let snap = JSON.parse((await runCli(['status', '--json', '--socket', socket])).stdout);
  assert.equal(snap.mounts.find((m: { mountpoint: string }) => m.mountpoint === home)?.watched, undefined);
  writeFileSync(`/run/systemd/users/${user.uid}`, 'NAME=msm-test\nSTATE=active\n');
  const deadline = Date.now() + 15_000;
  for (;;) {
    snap = JSON.parse((await runCli(['status', '--json', '--socket', socket])).stdout);
    if (snap.mounts.find((m: { mountpoint: string }) => m.mountpoint === home)?.watched === 'home') break;
    assert.ok(Date.now() < deadline, `the logged-in user's home was never watched: ${JSON.stringify(snap.mounts)}`);
    await sleep(300);
  }
});

test('a watched home that freezes is slow within 3 s, naming the programs waiting on it; a user sees only their own', { skip }, async () => {
  const { user, home, fx, socket, daemon } = await setUp();
  const follow = new Follower(socket, { uid: user.uid, gid: user.gid });
  cleanups.push(() => follow.stop());
  const rootFollow = new Follower(socket);
  cleanups.push(() => rootFollow.stop());
  await follow.waitFor((m) => m.mountpoint === home && m.watched === 'home' && m.state === 'ok');
  // Two programs that will touch the home once it is frozen: the user's (cwd in the home) and root's.
  const reader = asUser(user, 'sh', ['-c', 'read x; exec cat hello.txt'], home);
  const rootReader = spawn('sh', ['-c', 'read x; exec cat hello.txt'], { cwd: home, stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.push(() => void rootReader.kill('SIGKILL'));
  await sleep(300);

  const mark = follow.lines.length;
  await fx.freeze();
  const frozenAt = Date.now();
  reader.stdin!.write('go\n');
  rootReader.stdin!.write('go\n');
  const slow = await follow.waitFor((m) => m.mountpoint === home && m.state === 'slow', 10_000, mark);
  const ms = slow.at - frozenAt;
  console.log(`# frozen home reported slow after ${ms} ms (watch-interval 1 s, slow-after 1.5 s)`);
  assert.ok(ms <= 3000, `reported slow ${ms} ms after the freeze`);

  const mine = await follow.waitFor((m) => m.mountpoint === home && (m.blocked?.count ?? 0) >= 2, 15_000, mark);
  assert.deepEqual(mine.mount.blocked!.processes.map((p) => [p.pid, p.comm, p.uid]), [[reader.pid, 'cat', user.uid]], 'only my own programs by name');
  const all = await rootFollow.waitFor((m) => m.mountpoint === home && (m.blocked?.count ?? 0) >= 2, 15_000);
  assert.deepEqual(
    all.mount.blocked!.processes.map((p) => p.pid).sort(),
    [reader.pid, rootReader.pid].sort(),
    'root sees every program waiting',
  );
  await daemon.waitFor(new RegExp(`Mountpoint ${home} is not answering after 1\\.5 seconds`));
  await daemon.waitFor(new RegExp(`2 processes are blocked on ${home}: cat\\[\\d+\\], cat\\[\\d+\\]`));

  fx.thaw();
  await follow.waitFor((m) => m.mountpoint === home && m.state === 'ok', 15_000, follow.lines.indexOf(mine));
  assert.equal(daemon.count(/is not answering after/), 1, 'one slow line for the episode');
  assert.equal(daemon.count(/processes are blocked on/), 1, 'one blocked line for the episode');
});

/** A raw client process as the user that says hello with uid 0 and stays connected. */
async function asUserRawClient(user: TestUser, socket: string): Promise<ChildProcess> {
  const raw = new URL('../ipc/raw-client.js', import.meta.url).pathname;
  const script = `
    const { RawClient } = await import(${JSON.stringify(raw)});
    const c = await RawClient.connect(${JSON.stringify(socket)});
    await c.ask({ type: 'hello', id: 0, protocol: 1, client: 'claims root', uid: 0, gid: 0, home: '/root' });
    console.log('ready');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`raw client exited with ${code}`)));
  });
  return child;
}

