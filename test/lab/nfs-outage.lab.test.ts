// Two minutes of NFS outage as the kernel's own NFS client shows it to the helper (in the lab guest, see
// test/lab/lab-suite), with what its first meeting with real NFS got wrong: a hard mount whose killed
// probes take a moment to die (they were reported stuck, then at once not), a timeout line every ~11 s,
// a warning per kernel line, a soft mount flapping between slow and EIO, "Unknown system error -512"
// after a forced unmount. One outage, one scenario, one daemon with the shipped timings:
// - a hard mount (127.0.0.2) watched, three programs blocked on it, a fourth keeping it busy (its cwd);
// - a soft mount (127.0.0.3) watched; each address its own NFS client (NFSv4 shares one per address);
// - the server's port cut with nftables for two minutes; `mountstatus unmount --force` on the hard mount
//   at the end of it, while still cut (what it frees, what it cannot); then `unmount --lazy` (detached:
//   the program reading inside stays blocked, and is named); then the cut lifted;
// - the transport's counters in `status --json` during the cut: replies stand still while requests wait
//   (the kernel's mountstats, read by the daemon: no mount touched).
// timeo=10,retrans=2: the kernel says "not responding" 3 s after each request it gives up on (not after
// minutes), so its lines come by the dozen. Deadlines are the host's, scaled for the guest's emulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { nfsServerUnavailable, startNfsServer } from '../support/lab-nfs.js';
import { DaemonProcess, runCli, withDaemonLog } from '../helper/cli/cli-harness.js';
import { Follower } from '../helper/cli/follow-client.js';
import { scaled } from '../support/slowdown.js';
import { cleanupsAfter } from '../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? nfsServerUnavailable() : ns.reason);
const OPTIONS = 'vers=4.2,timeo=10,retrans=2';
const OUTAGE_MS = 120_000;

const cleanups = cleanupsAfter();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function started(cmd: string, args: string[], cwd?: string): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'ignore', ...(cwd ? { cwd } : {}) });
  cleanups.push(() => void child.kill('SIGKILL'));
  return child;
}

/** Resolves once `pid` waits in the kernel on an RPC (its wchan, proc(5)), or says where it is instead. */
async function blockedOnRpc(pid: number, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs;
  let wchan = '';
  while (Date.now() < deadline) {
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    } catch {
      return 'exited';
    }
    if (/rpc|nfs/.test(wchan)) return wchan;
    await sleep(200);
  }
  return `not blocked on an RPC: wchan ${wchan}`;
}

// Opens the file, waits until the file named second exists (on a local disk), then reads 4 KiB of it
// with O_DIRECT (from the server, not the page cache). With `retry`, a failed read is tried again at once
// (as a program that retries on EIO does), until one succeeds.
const DIRECT_READER = `
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
while True:
    try:
        os.readv(fd, [mmap.mmap(-1, 4096)])
        break
    except OSError:
        if sys.argv[3] != 'retry':
            raise
`;

/** The hard mount's transport counters as `status --json` shows them. */
async function nfsCounters(socket: string, mountpoint: string): Promise<{ ops: number; sends: number; replies: number }> {
  const r = await runCli(['status', '--json', '--socket', socket], { timeoutMs: 30_000 });
  assert.ok(r.code === 0 || r.code === 1, `status --json: exit ${r.code} (1: a mount is dead) ${r.stderr}`);
  const mount = (JSON.parse(r.stdout) as { mounts: { mountpoint: string; nfs?: { ops: number; sends: number; replies: number } }[] }).mounts.find((m) => m.mountpoint === mountpoint);
  assert.ok(mount?.nfs, `${mountpoint} has its NFS counters in status --json: ${JSON.stringify(mount)}`);
  return { ops: mount.nfs.ops, sends: mount.nfs.sends, replies: mount.nfs.replies };
}

/** The child's exit code once it exits (null when killed), or 'running' after withinMs. */
async function exitOf(child: ChildProcess, withinMs: number): Promise<number | null | 'running'> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return Promise.race([new Promise<number | null>((r) => child.once('exit', (code) => r(code))), sleep(withinMs).then(() => 'running' as const)]);
}

/** The kernel's own lines about a server since boot (dmesg reads /dev/kmsg; nothing touches a mount). */
function kernelLines(server: string, what: string): number {
  return execFileSync('dmesg', { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`nfs: server ${server} ${what}`)).length;
}

/** What the daemon has said so far, for a failure's report (the guest keeps nothing else of it). */
let said = () => '(no daemon yet)';

test('two minutes of NFS outage: no false stuck, one line each, the soft mount settles, no raw errno after unmount --force', { skip, timeout: OUTAGE_MS + scaled(60_000) }, async () => {
  await withDaemonLog(() => said(), outage);
});

async function outage(): Promise<void> {
  const nfs = startNfsServer();
  cleanups.push(() => nfs.stop());
  const base = mkdtempSync(join(tmpdir(), 'msm-nfs-outage-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const hard = join(base, 'hard');
  const soft = join(base, 'soft');
  for (const [dir, server, kind] of [[hard, '127.0.0.2', 'hard'], [soft, '127.0.0.3', 'soft']] as const) {
    mkdirSync(dir);
    const exported = nfs.exportDir(kind);
    if (kind === 'hard') writeFileSync(join(exported, 'data'), 'x'.repeat(65_536));
    execFileSync('mount', ['-t', 'nfs', '-o', `${OPTIONS},${kind}`, `${server}:${exported}`, dir]);
    // After the lazy unmount below it is no longer there to unmount.
    cleanups.push(() => void spawnSync('umount', ['-l', dir]));
  }

  // The daemon runs in this file's private mount namespace: that is the host's, as far as unmount goes.
  process.env.MSM_HOST_NAMESPACE_PID = String(process.pid);
  const runDir = join(base, 'run');
  mkdirSync(runDir);
  chmodSync(runDir, 0o755);
  const socket = join(runDir, 'helper.sock');
  const daemon = new DaemonProcess(['--include', `${base}/**`, '--watch', `${base}/*`, '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  said = () => daemon.stderr;
  await daemon.waitFor(/Checked 2 mounts in \d+ seconds\n/, 20_000);
  assert.doesNotMatch(daemon.stderr, /Not following kernel messages/, 'the daemon follows /dev/kmsg');
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  for (const m of [hard, soft]) await follow.waitFor((l) => l.mountpoint === m && l.state === 'ok', 15_000);

  const busy = started('sleep', ['900'], hard); // keeps the hard mount in use, as a shell in it would
  // Two readers with the file open before the cut, reading it (O_DIRECT: from the server) during it when
  // told to: the first soon (the forced unmount aborts its read, and it exits), the second after the
  // forced unmount, retrying when a read fails (the lazy unmount's abort cannot free it).
  const go = (name: string) => writeFileSync(join(base, name), '');
  const reader = (name: string, errors: 'once' | 'retry') => started('python3', ['-c', DIRECT_READER, join(hard, 'data'), join(base, name), errors]);
  const early = reader('early-go', 'once');
  const late = reader('late-go', 'retry');
  await sleep(5_000);
  const mark = follow.lines.length;
  const cutAt = Date.now();
  nfs.cut();
  // Programs meeting the dead hard mount: each blocked request is one more kernel line.
  const blocked = [1, 2, 3].map((i) => started('stat', [join(hard, `new-name-${i}`)]));
  await sleep(20_000);
  go('early-go');
  await sleep(10_000);
  const counters1 = await nfsCounters(socket, hard);
  assert.match(await blockedOnRpc(early.pid!, scaled(2000)), /rpc|nfs/, 'the first reader waits on the server');
  await sleep(OUTAGE_MS - (Date.now() - cutAt));
  const counters2 = await nfsCounters(socket, hard);
  console.log(`# the hard mount's transport in status --json, 30 s and ${Math.round((Date.now() - cutAt) / 1000)} s into the cut: ${JSON.stringify([counters1, counters2])}`);
  // Nothing is answered while the server is cut off, and requests were sent that wait. (The operations'
  // own count moves all the same: each probe killed at its timeout ends its request, counted as done.)
  assert.equal(counters2.replies, counters1.replies, 'no reply during the cut');
  assert.ok(counters2.sends > counters2.replies, `requests sent and unanswered: ${JSON.stringify(counters2)}`);

  // Still cut: the forced unmount aborts the requests in flight (the probe's among them); `sleep` keeps
  // the mount, so it stays, and the next access waits on the dead server again.
  // The outage's lines are counted up to here: what the unmounts abort starts new episodes.
  const saidBeforeUnmount = daemon.stderr;
  const unmount = await runCli(['unmount', '--force', '--yes', '--socket', socket, hard], { timeoutMs: 30_000 });
  console.log(`# unmount --force after ${Math.round((Date.now() - cutAt) / 1000)} s of outage: exit ${unmount.code}, ${unmount.stdout.trim()} ${unmount.stderr.trim()}`);
  assert.match(unmount.stdout + unmount.stderr, /sleep\[\d+\]/, 'the program keeping it is named');
  assert.notEqual(await exitOf(early, scaled(2000)), 'running', 'the read in flight was aborted, and its reader gone');
  await sleep(3000);
  const again = started('stat', [join(hard, 'after-unmount')]);
  const where = await blockedOnRpc(again.pid!, scaled(2000));
  console.log(`# a new stat 3 s after the forced unmount: waiting in ${where}`);
  assert.match(where, /rpc|nfs/, 'a new access after the forced unmount blocks again (docs/admin-guide.md: only the requests in flight end)');

  // The second reader now reads through its open file, and waits; then a lazy unmount detaches the mount:
  // gone from the table, the reader still waiting for the server, and the admin told so by its name.
  go('late-go');
  assert.match(await blockedOnRpc(late.pid!, scaled(5_000)), /rpc|nfs/, 'the second reader waits on the server');
  await follow.waitFor((m) => m.mountpoint === hard && m.blocked?.processes.some((p) => p.pid === late.pid) === true, 30_000, mark);
  const lazy = await runCli(['unmount', '--lazy', '--yes', '--socket', socket, hard], { timeoutMs: 30_000 });
  console.log(`# unmount --lazy: exit ${lazy.code}, ${lazy.stdout.trim()} ${lazy.stderr.trim()}`);
  assert.equal(lazy.code, 0, lazy.stdout + lazy.stderr);
  assert.match(lazy.stdout, /is detached/);
  assert.match(lazy.stdout, new RegExp(`still blocked until its server answers: .*python3\\[${late.pid}\\]`));
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${hard} `), 'the hard mount is gone from the table');
  assert.match(await blockedOnRpc(late.pid!, 1000), /rpc|nfs/, 'the detached mount keeps its reader waiting');
  await daemon.waitFor(new RegExp(`Lazily unmounted ${escape(hard)} .*still blocked: .*python3\\[${late.pid}\\]`), 10_000);

  const restoredAt = Date.now();
  nfs.restore();
  await follow.waitFor((l) => l.mountpoint === soft && l.state === 'ok', 30_000, mark);
  console.log(`# back ok ${Date.now() - restoredAt} ms after the cut was lifted`);
  assert.equal(await exitOf(late, scaled(30_000)), 0, 'the detached mount\'s reader finished once the server answered');

  const states = (m: string) => follow.lines.slice(mark).filter((l) => l.mount.mountpoint === m && l.at < restoredAt).map((l) => l.mount);
  const hardStates = states(hard).map((s) => s.state!);
  const softStates = states(soft).map((s) => s.state!);
  const count = (re: RegExp) => daemon.count(re);
  const figures = {
    hard: { pushes: hardStates.length, hung: hardStates.filter((s) => s === 'hung').length, errnos: [...new Set(states(hard).map((s) => s.errno).filter(Boolean))] },
    soft: { pushes: softStates.length, states: [...new Set(softStates)], errnos: [...new Set(states(soft).map((s) => s.errno).filter(Boolean))] },
    kernel: { notResponding: kernelLines('127.0.0.2', 'not responding'), ok: kernelLines('127.0.0.2', 'OK'), softTimedOut: kernelLines('127.0.0.3', 'not responding, timed out') },
    log: {
      timeouts: count(/Timed out waiting for child process/),
      hardNotResponding: saidBeforeUnmount.match(new RegExp(`Mountpoint ${escape(hard)} is not responding`, 'g'))?.length ?? 0,
      softNotResponding: count(new RegExp(`Mountpoint ${escape(soft)} is not responding`)),
      softFailed: count(new RegExp(`Couldn't check mountpoint ${escape(soft)}: `)),
      kernelHard: count(/Kernel reports server 127\.0\.0\.2 not responding/),
      kernelHardOk: count(/Kernel reports server 127\.0\.0\.2 OK/),
      stuck: count(/is still stuck|exited after being stuck/),
    },
  };
  console.log(`# ${JSON.stringify(figures)}`);

  // (a) No false stuck: every killed probe of the hard mount died within the grace.
  assert.ok(figures.hard.hung >= 5, `the hard mount was probed again and again over two minutes: ${hardStates.join(' ')}`);
  assert.ok(!hardStates.includes('stuck'), `clients saw stuck: ${hardStates.join(' ')}`);
  assert.equal(figures.log.stuck, 0, daemon.stderr);
  // (b) One not-responding line for the outage, and no flapping back to slow once hung.
  assert.equal(figures.log.hardNotResponding, 1, daemon.stderr);
  assert.ok(!hardStates.slice(hardStates.indexOf('hung')).includes('slow'), `hung, then slow again: ${hardStates.join(' ')}`);
  // (c) One warning for the kernel's many lines about the server.
  assert.ok(figures.kernel.notResponding >= 3, `the kernel said it ${figures.kernel.notResponding} times`);
  assert.equal(figures.log.kernelHard, 1, daemon.stderr);
  assert.ok(figures.log.kernelHardOk <= 1, daemon.stderr);
  // (d) The soft mount settles: once failing, never slow again, and each errno said once.
  const firstDead = softStates.findIndex((s) => s === 'error' || s === 'hung');
  assert.ok(firstDead >= 0, `the soft mount failed: ${softStates.join(' ')}`);
  assert.ok(!softStates.slice(firstDead).includes('slow'), `the soft mount flapped: ${softStates.join(' ')}`);
  assert.ok(softStates.includes('error'), `EIO reached the soft mount's probes: ${softStates.join(' ')}`);
  assert.equal(figures.log.softFailed, figures.soft.errnos.length, daemon.stderr);
  assert.ok(figures.log.softNotResponding <= 1, daemon.stderr);
  // (e) Nothing says "Unknown system error", in the log or the follower's lines (the JSON of status --json).
  const everything = [daemon.stderr, JSON.stringify(follow.lines), unmount.stdout, unmount.stderr, lazy.stdout, lazy.stderr].join('\n');
  assert.doesNotMatch(everything, /Unknown system error|Unknown error \d+/, 'a raw kernel errno leaked');
  for (const errno of [...figures.hard.errnos, ...figures.soft.errnos]) assert.match(String(errno), /^E[A-Z_]+$/);

  for (const p of [...blocked, again, busy, early, late]) p.kill('SIGKILL');
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
}
