// An NFS server that answers, but not as before (in the lab guest, see test/lab/lab-suite): a soft mount
// whose requests time out, an export withdrawn while nfsd runs (`exportfs -u`), and nfsd stopped
// and started again (its grace period). Each as users and admins see it: the state, the words in
// `status --json`, and the seed's log lines. The soft mount's timeout reaches the probe as ESTALE, not
// EIO: its first call ends the path walk at the mount's root, whose failed revalidation the VFS reports
// as ESTALE (fs/namei.c complete_walk), the same errno as the withdrawn export's; the words cover both. One daemon, watching all three mounts every second. The soft
// mount is v3, alone on its client: a v4.2 one would share the client of the others (trunking,
// lab-nfs.ts), whose hard requests, blocked by the cut, held its EIO back for 93 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { nfsServerUnavailable, startNfsServer } from '../support/lab-nfs.js';
import { DaemonProcess, withDaemonLog } from '../helper/cli/cli-harness.js';
import { Follower } from '../helper/cli/follow-client.js';
import { scaled } from '../support/slowdown.js';
import { cleanupsAfter } from '../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? nfsServerUnavailable() : ns.reason);

// The restart takes seconds: the follower's lines must be read (and timed) meanwhile.
const run = promisify(execFile);

const cleanups = cleanupsAfter();

let said = () => '(no daemon yet)';

test('a soft mount timed out, a withdrawn export, nfsd restarted: each in words, in the state users expect, with the seed\'s lines', { skip, timeout: scaled(40_000) + 120_000 }, async () => {
  await withDaemonLog(() => said(), scenario);
});

async function scenario(): Promise<void> {
  const nfs = startNfsServer();
  cleanups.push(() => nfs.stop());
  const base = mkdtempSync(join(tmpdir(), 'msm-nfs-stale-'));
  chmodSync(base, 0o755);
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const mounts = { soft: '127.0.0.7', withdrawn: '127.0.0.8', restarted: '127.0.0.9' };
  const exports: Record<string, string> = {};
  const at: Record<string, string> = {};
  for (const [name, server] of Object.entries(mounts)) {
    at[name] = join(base, name);
    mkdirSync(at[name]!);
    exports[name] = nfs.exportDir(name);
    const options = name === 'soft' ? 'vers=3,nolock,soft,timeo=10,retrans=2' : 'vers=4.2,hard,timeo=10,retrans=2';
    execFileSync('mount', ['-t', 'nfs', '-o', options, `${server}:${exports[name]}`, at[name]!]);
    cleanups.push(() => void execFileSync('umount', ['-l', at[name]!]));
  }

  const socket = join(base, 'run', 'helper.sock');
  const daemon = new DaemonProcess(['--include', `${base}/**`, '--watch', `${base}/*`, '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  said = () => daemon.stderr;
  await daemon.waitFor(/Checked 3 mounts in \d+ seconds?\n/, 20_000);
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  // Every mount's latest state ok, once those that `went` wrong have been heard of since `from`.
  const allOk = async (from: number, went: string[] = Object.values(at)) => {
    const deadline = Date.now() + scaled(60_000);
    const heard = (m: string) => !went.includes(m) || follow.lines.slice(from).some((l) => l.mount.mountpoint === m);
    while (Object.values(at).some((m) => follow.latest(m)?.state !== 'ok' || !heard(m))) {
      if (Date.now() > deadline) throw new Error(`not all ok again: ${Object.values(at).map((m) => `${m} ${follow.latest(m)?.state}`).join(', ')}`);
      await sleep(200);
    }
  };
  await allOk(0);
  const seen: Record<string, unknown> = {};

  // 1. The soft mount's requests time out.
  let mark = follow.lines.length;
  nfs.cut();
  const softCut = Date.now();
  const timedOut = await follow.waitFor((l) => l.mountpoint === at.soft && l.state === 'error', 60_000, mark);
  seen.soft = { afterMs: timedOut.at - softCut, state: timedOut.mount.state, errno: timedOut.mount.errno, message: timedOut.mount.message };
  mark = follow.lines.length;
  nfs.restore();
  await allOk(mark);

  // 2. The export withdrawn while nfsd runs.
  mark = follow.lines.length;
  execFileSync('exportfs', ['-u', `127.0.0.0/8:${exports.withdrawn}`]);
  const withdrawnAt = Date.now();
  const gone = await follow.waitFor((l) => l.mountpoint === at.withdrawn && l.state !== 'ok' && l.state !== 'slow', 30_000, mark);
  await sleep(scaled(1000));
  seen.withdrawn = { afterMs: gone.at - withdrawnAt, states: follow.lines.slice(mark).filter((l) => l.mount.mountpoint === at.withdrawn).map((l) => `${l.mount.state} ${l.mount.errno ?? ''} ${l.mount.message ?? ''}`) };
  mark = follow.lines.length;
  execFileSync('exportfs', ['-o', 'rw,no_root_squash,no_subtree_check,insecure', `127.0.0.0/8:${exports.withdrawn}`]);
  await allOk(mark, [at.withdrawn!]);
  const beforeRestart = daemon.stderr;

  // 3. nfsd stopped and started again (its exports kept in /etc/exports.d, as a real server's are).
  mark = follow.lines.length;
  const restartAt = Date.now();
  await run('systemctl', ['restart', 'nfs-server.service']);
  const restartedMs = Date.now() - restartAt;
  await allOk(mark);
  const okAfterMs = Date.now() - restartAt;
  const grace = execFileSync('dmesg', { encoding: 'utf8' }).split('\n').filter((l) => /NFSD: starting \d+-second grace period/.test(l));
  const during = follow.lines.slice(mark).map((l) => l.mount);
  seen.restart = { restartedMs, okAfterMs, grace, states: during.map((m) => `${m.mountpoint.slice(base.length + 1)} ${m.state} ${m.errno ?? ''}`) };
  console.log(`# ${JSON.stringify(seen)}`);
  console.log(`# the daemon's log:\n${daemon.stderr.replace(/^/gm, '#   ')}`);

  // Soft: the server did not answer in time; an error in words that say it may be that, said once.
  const stale = /^Stale file handle: the server did not vouch for this mount's files \(its export withdrawn or replaced, or a soft mount's server not answering in time\)/;
  assert.equal(timedOut.mount.errno, 'ESTALE');
  assert.match(String(timedOut.mount.message), stale);
  assert.equal(beforeRestart.split('\n').filter((l) => l.includes(`Couldn't check mountpoint ${at.soft}: ESTALE: Stale file handle: the server did not vouch`)).length, 1, beforeRestart);
  // Withdrawn: an error at once, in words that say what happened and what to do; ok again when re-exported.
  assert.equal(gone.mount.state, 'error');
  assert.equal(gone.mount.errno, 'ESTALE');
  assert.match(String(gone.mount.message), stale);
  assert.ok(gone.at - withdrawnAt <= scaled(2500), `ESTALE within a probe or two of the withdrawal: ${gone.at - withdrawnAt} ms`);
  const goneLine = `Couldn't check mountpoint ${at.withdrawn}: ESTALE: Stale file handle: the server did not vouch`;
  assert.ok(beforeRestart.includes(goneLine), beforeRestart);
  const afterGone = beforeRestart.slice(beforeRestart.indexOf(goneLine));
  assert.equal(afterGone.split('\n').filter((l) => new RegExp(`Mountpoint ${at.withdrawn} is responding again after \\d+ seconds?$`).test(l)).length, 1, beforeRestart);
  // Restarted: the kernel's grace period; the hard mounts hung while nfsd was away (never failing), then ok.
  assert.ok(grace.length >= 1, 'nfsd started a grace period (its first start, with no clients to reclaim, skips it)');
  for (const m of [at.withdrawn, at.restarted]) {
    const states = during.filter((s) => s.mountpoint === m).map((s) => s.state);
    assert.ok(!states.includes('error') && states.at(-1) === 'ok', `${m} across the restart: ${states.join(' ')}`);
  }

  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
}
