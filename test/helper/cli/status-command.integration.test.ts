// `mountstatus status` against a real helper socket with a fake monitor: table, JSON, exit codes, and
// the message when no helper runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runStatusCommand } from '../../../src/helper/cli/status-command.js';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { FakeMonitor, mountStatus } from '../ipc/fake-monitor.js';
import { tempSocketPath } from '../ipc/raw-client.js';
import { Follower } from './follow-client.js';
import { BIN } from './cli-harness.js';

function io() {
  const o = { out: '', err: '', stdout: (t: string) => void (o.out += t), stderr: (t: string) => void (o.err += t) };
  return o;
}

test('status prints the helper\'s view: JSON like check --json, exit 1 when a mount is not ok', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor([
    mountStatus('/', 'ok', { latencyMs: 1.5 }),
    mountStatus('/mnt/nfs', 'error', { errno: 'ENOTCONN', message: 'Transport endpoint is not connected', fstype: 'nfs4', source: 'nfs1:/x' }),
  ]);
  const server = await openHelperSocket({ socketPath, monitor });
  try {
    const j = io();
    assert.equal(await runStatusCommand(['--json', '--socket', socketPath], j), 1);
    const report = JSON.parse(j.out);
    assert.equal(report.checked, 2);
    assert.equal(report.dead, 1);
    assert.equal(report.seconds, 2);
    assert.deepEqual(
      report.mounts.map((m: any) => [m.mountpoint, m.source, m.fstype, m.state, m.errno, m.message, m.latencyMs]),
      [
        ['/', 'src:/', 'tmpfs', 'ok', undefined, undefined, 1.5],
        ['/mnt/nfs', 'nfs1:/x', 'nfs4', 'error', 'ENOTCONN', 'Transport endpoint is not connected', undefined],
      ],
    );
    const t = io();
    assert.equal(await runStatusCommand([`--socket=${socketPath}`], t), 1);
    assert.match(t.out, /ERROR\s+\/mnt\/nfs\s+nfs4/);
    assert.match(t.out, /Checked 2 mounts in 2\.00 seconds: 1 dead/);

    monitor.mounts = [mountStatus('/'), mountStatus('/auto', 'idle')];
    assert.equal(await runStatusCommand(['--socket', socketPath], io()), 0);
  } finally {
    await server.close();
    await cleanup();
  }
});

test('no helper: exit 2 and how to start one; usage errors exit 2', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  try {
    const o = io();
    assert.equal(await runStatusCommand(['--socket', socketPath], o), 2);
    assert.match(o.err, /helper not running — start it with: sudo systemctl start mount-status-monitor/);
    assert.match(o.err, /mountstatus daemon/);
    const tried = io();
    assert.equal(await runStatusCommand([], tried, { socketPaths: [socketPath, socketPath + '.2'] }), 2);
    assert.match(tried.err, /tried .*helper-v1\.sock, .*helper-v1\.sock\.2/);
    const bad = io();
    assert.equal(await runStatusCommand(['--frobnicate'], bad), 2);
    assert.match(bad.err, /unknown option .--frobnicate./i);
    assert.equal(await runStatusCommand(['--socket'], io()), 2);
    const help = io();
    assert.equal(await runStatusCommand(['--help'], help), 0);
    assert.match(help.out, /usage: mountstatus status/);
  } finally {
    await cleanup();
  }
});

test('status --follow --json: the snapshot, then each change as one line; exit 2 when the helper goes away', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor([mountStatus('/'), mountStatus('/home', 'ok', { watched: 'home' })]);
  const server = await openHelperSocket({ socketPath, monitor });
  const follow = new Follower(socketPath);
  try {
    await follow.waitFor((m) => m.mountpoint === '/home' && m.watched === 'home');
    assert.equal(follow.lines.length, 2, 'the snapshot: one line per mount');
    // Printed the snapshot, so subscribed: it asks for the snapshot after subscribing, on one connection.
    const blocked = { count: 1, processes: [{ pid: 7, comm: 'firefox', uid: 0 }] };
    monitor.emit({ type: 'mount', mount: mountStatus('/home', 'slow', { message: 'no answer after 1.5 s', blocked }), previous: 'ok' });
    monitor.emit({ type: 'removed', mountpoint: '/' });
    const slow = await follow.waitFor((m) => m.state === 'slow');
    assert.deepEqual(slow.mount.blocked, blocked);
    assert.equal(typeof slow.mount.since, 'string', 'the fields of check --json');
    await follow.waitFor((m) => m.mountpoint === '/' && m.removed === true);
    await server.close();
    const code = await new Promise((r) => (follow.child.exitCode !== null ? r(follow.child.exitCode) : follow.child.once('exit', r)));
    assert.equal(code, 2);
    assert.match(follow.stderr, /the helper went away/);
  } finally {
    follow.stop();
    await server.close();
    await cleanup();
  }
});

test('status --follow | head -n 1: once head has gone, the next change ends it quietly with exit 0 (no EPIPE crash)', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor([mountStatus('/'), mountStatus('/home')]);
  const server = await openHelperSocket({ socketPath, monitor });
  // A real pipe to a real head: bash reports the follower's own exit status after the pipeline.
  const script = '"$0" "$1" status --follow --json --socket "$2" | head -n 1; echo "follow exited ${PIPESTATUS[0]}" >&2';
  const shell = spawn('bash', ['-c', script, process.execPath, BIN, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  shell.stdout.on('data', (d: Buffer) => (out += d));
  shell.stderr.on('data', (d: Buffer) => (err += d));
  const done = new Promise<number | null>((r) => shell.once('close', r));
  let changes = 0;
  const changing = setInterval(() => {
    // Changes keep coming, as a busy helper's do: one of them is the first write after head has gone.
    changes++;
    monitor.emit({ type: 'mount', mount: mountStatus('/home', changes % 2 ? 'slow' : 'ok'), previous: changes % 2 ? 'ok' : 'slow' });
  }, 100);
  try {
    const bound = new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000).unref());
    assert.notEqual(await Promise.race([done, bound]), 'late', `still running after head exited; stderr: ${err}`);
    assert.equal(out.split('\n').filter(Boolean).length, 1, out);
    assert.match(err, /follow exited 0\n$/, err);
    assert.doesNotMatch(err, /EPIPE|Error|at /, err);
  } finally {
    clearInterval(changing);
    shell.kill('SIGKILL');
    await server.close();
    await cleanup();
  }
});
