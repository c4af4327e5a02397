// The socket's directory and file on a real filesystem (a temp dir, not a mountpoint): permissions made
// and checked, a stale socket removed, a live one never taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { connectHelper } from '../../../src/node/ipc/client.js';
import { defaultSocketPath, candidateSocketPaths } from '../../../src/node/ipc/paths.js';
import { FakeMonitor } from './fake-monitor.js';
import { tempSocketPath, waitFor } from './raw-client.js';
import { existsSync } from 'node:fs';
import { skipOrFail } from '../../support/namespace.js';

const isRoot = process.geteuid?.() === 0;

test('default socket paths carry the protocol version and live in runtime dirs', () => {
  assert.equal(defaultSocketPath({ privileged: true }), '/run/mount-status-monitor/helper-v1.sock');
  assert.equal(defaultSocketPath({ privileged: false, env: { XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 }), '/run/user/1000/mount-status-monitor/helper-v1.sock');
  assert.equal(defaultSocketPath({ privileged: false, env: {}, uid: 1000 }), '/tmp/mount-status-monitor-1000/helper-v1.sock');
  assert.deepEqual(candidateSocketPaths({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), [
    '/run/mount-status-monitor/helper-v1.sock',
    '/run/user/1000/mount-status-monitor/helper-v1.sock',
  ]);
});

test('shared access: dir 0755, socket 0666; private access: dir 0700, socket 0600', async () => {
  for (const [access, dirMode, sockMode] of [['shared', 0o755, 0o666], ['private', 0o700, 0o600]] as const) {
    const { socketPath, cleanup } = await tempSocketPath();
    const s = await openHelperSocket({ socketPath, monitor: new FakeMonitor(), access });
    try {
      const d = await lstat(join(socketPath, '..'));
      assert.equal(d.mode & 0o7777, dirMode, access);
      assert.equal(d.uid, process.geteuid?.());
      const f = await lstat(socketPath);
      assert.ok(f.isSocket());
      assert.equal(f.mode & 0o777, sockMode, access);
    } finally {
      await s.close();
      await cleanup();
    }
  }
});

test('a runtime dir with loose permissions, another owner, or a symlink is refused with a clear error', async () => {
  const { socketPath, dir, cleanup } = await tempSocketPath();
  const runDir = join(socketPath, '..');
  try {
    await mkdir(runDir);
    await chmod(runDir, 0o777);
    await assert.rejects(openHelperSocket({ socketPath, monitor: new FakeMonitor(), access: 'shared' }), /mode 0777; it must be 0755.*chmod 0755/);
    await chmod(runDir, 0o750);
    await assert.rejects(openHelperSocket({ socketPath, monitor: new FakeMonitor(), access: 'private' }), /mode 0750; it must be 0700/);
    if (isRoot) {
      await chmod(runDir, 0o755);
      await chown(runDir, 65534, 65534);
      await assert.rejects(openHelperSocket({ socketPath, monitor: new FakeMonitor(), access: 'shared' }), /belongs to uid 65534, not to this helper/);
    }
    const linked = join(dir, 'linked');
    await mkdir(join(dir, 'real'), { mode: 0o755 });
    await symlink(join(dir, 'real'), linked);
    await assert.rejects(openHelperSocket({ socketPath: join(linked, 'helper-v1.sock'), monitor: new FakeMonitor() }), /not a directory \(a symlink\)/);
  } finally {
    await cleanup();
  }
});

test('a stale socket left by a killed helper is removed before listening', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  await mkdir(join(socketPath, '..'), { mode: 0o700 });
  // A process that listens and is then SIGKILLed leaves its socket file behind.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok((await lstat(socketPath)).isSocket(), 'the killed process left no socket');
    const s = await openHelperSocket({ socketPath, monitor: new FakeMonitor(), access: 'private' });
    const c = await connectHelper(socketPath, { timeoutMs: 2000 });
    assert.equal(c.hello.identity.pid, 4242);
    c.close();
    await s.close();
    assert.equal(existsSync(socketPath), false, 'socket not removed on close');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cleanup();
  }
});

test('a live helper on the socket is never replaced: the second server refuses to start', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const first = await openHelperSocket({ socketPath, monitor: new FakeMonitor() });
  try {
    const before = await stat(socketPath);
    await assert.rejects(openHelperSocket({ socketPath, monitor: new FakeMonitor(undefined, 9) }), /a helper is already serving .*helper-v1\.sock: stop it first/);
    const after = await stat(socketPath);
    assert.equal(after.ino, before.ino);
    const c = await connectHelper(socketPath, { timeoutMs: 2000 });
    assert.equal(c.hello.identity.pid, 4242);
    c.close();
    await waitFor(() => first.clients().length === 0, 2000, 'probe connection gone');
  } finally {
    await first.close();
    await cleanup();
  }
});

test('a path that is not a socket is left alone', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  try {
    await mkdir(join(socketPath, '..'), { mode: 0o755 });
    await writeFile(socketPath, 'precious');
    await assert.rejects(openHelperSocket({ socketPath, monitor: new FakeMonitor() }), /exists and is not a socket/);
    assert.ok((await lstat(socketPath)).isFile());
  } finally {
    await cleanup();
  }
});

/** Runs connectHelper + snapshot + recheck as uid/gid 65534 (nobody) in a child process. */
function asNobody(socketPath: string): Promise<{ code: number | null; out: string }> {
  const client = new URL('../../../src/node/ipc/client.js', import.meta.url).pathname;
  const script = `
    const { connectHelper } = await import(${JSON.stringify(client)});
    try {
      const c = await connectHelper(${JSON.stringify(socketPath)}, { timeoutMs: 3000 });
      const snap = await c.snapshot();
      const r = await c.recheck('/home');
      console.log(JSON.stringify({ mounts: snap.mounts.length, started: r.started }));
      c.close();
    } catch (e) { console.log(JSON.stringify({ code: e.code })); }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out: out.trim() }));
  });
}

test('an unprivileged user may read and recheck on the shared socket, and cannot connect to a private one', { skip: skipOrFail(isRoot ? undefined : 'needs root to run a client as nobody') }, async () => {
  for (const access of ['shared', 'private'] as const) {
    const { socketPath, dir, cleanup } = await tempSocketPath();
    await chmod(dir, 0o755); // mkdtemp makes 0700; the runtime dir's own mode is what is under test
    const monitor = new FakeMonitor();
    const s = await openHelperSocket({ socketPath, monitor, access });
    try {
      const r = await asNobody(socketPath);
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.out), access === 'shared' ? { mounts: 3, started: ['/home'] } : { code: 'permission-denied' });
      assert.deepEqual(monitor.rechecks, access === 'shared' ? ['/home'] : []);
    } finally {
      await s.close();
      await cleanup();
    }
  }
});
