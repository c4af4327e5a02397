// The blocked-process scan under a user's load, with a real `mountstatus daemon` (shipped defaults): a
// user with her own FUSE mount, hung, and 25 processes waiting on it with ~20,000 open files each (her
// fd limit raised, as a systemd user session allows 524,288). The scan looks at every waiting process
// every 5 s; reading all their files in one go kept the helper from answering for seconds. Meanwhile:
// - a client asking for the status over and over is answered within 100 ms each time;
// - another user's home that freezes is reported slow within 3 s, naming the program waiting on it;
// - the helper's CPU stays low, and the scan says how many processes it did not examine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectHelper } from '../../../src/node/ipc/client.js';
import { fuseFixtureUnavailable, openDevFuse, startFuseFixture } from '../../support/fuse-fixture.js';
import { mountTmpfs } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { asUser, ensureOtherTestUser, ensureTestUser } from '../../support/test-user.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { Follower } from '../cli/follow-client.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

const PROCESSES = 25;
const FILES_EACH = 19_980;
/** Long enough for three scans (one each 5 s) and the home's freeze in the middle. */
const MEASURE_MS = 16_000;
/**
 * Status answers take ~2 ms. 95 in 100 within 100 ms; every one within 1 s: without the attack at all,
 * six test sessions sharing two cores (load average above 30) delayed single answers by up to 200 ms,
 * while the unbounded scan held every client for 3-4 s.
 */
const ANSWER_P95_MS = 100;
const ANSWER_MAX_MS = 1000;
/** The helper's own CPU over the window; the unbounded scan took 40-44 % of a core. */
const CPU_SHARE = 0.15;

/** Opens `files` files, one of them in the mount (the last), then waits in a lookup on the hung mount. */
const HOLDER = `
  my ($mnt, $n) = @ARGV; $| = 1; my @h;
  for (2 .. $n) { open(my $f, '<', '/dev/null') or die "open: $!\\n"; push @h, $f; }
  open(my $m, '<', "$mnt/hello.txt") or die "open $mnt/hello.txt: $!\\n";
  chdir('/') or die; print "ready\\n"; my $go = <STDIN>; stat("$mnt/waiting-$$"); print "released\\n";`;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (proc(5) fields 14 and 15)
}

/** Our hard RLIMIT_NOFILE (/proc/self/limits): raised to for her processes (above it would need CAP_SYS_RESOURCE). */
function hardFileLimit(): number {
  const line = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  const hard = line === 'unlimited' || line === undefined ? Infinity : Number(line);
  assert.ok(hard >= FILES_EACH + 8, `the hard fd limit here is ${hard}: ${FILES_EACH} files a process need more`);
  return Math.min(hard, 1_048_576);
}

function wchan(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `no ${what()} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => ((out += d), out.includes('ready') && resolve()));
    child.stderr!.on('data', (d: Buffer) => (err += d));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${err}`)));
  });
}

test("one user's 25 waiting processes with 20,000 files each: clients answered at once, a frozen home slow within 3 s", { skip, timeout: 180_000 }, async () => {
  // Six test sessions share this machine's two cores (load average above 20): the helper and this client
  // (and every child, which inherits it) get ahead of them, so what is measured is the helper's own work.
  // Her processes run at the usual priority, as hers would.
  setPriority(-10);
  const victim = ensureTestUser();
  const her = ensureOtherTestUser();
  mountTmpfs('/home', { mode: 0o755 });
  mountTmpfs('/root', { mode: 0o700 });
  mountTmpfs('/run/systemd/users', { mode: 0o755 });
  const home = `/home/${victim.name}`;
  const fx = await startFuseFixture(home, { uid: victim.uid, gid: victim.gid, rootMode: 0o700 });
  cleanups.push(() => fx.stop());
  // Her own mount, made the way users make them (fusermount3, no allow_other), in her home.
  const dev = mkdtempSync(join(tmpdir(), 'msm-scanload-dev-'));
  openDevFuse(dev);
  const herHome = `/home/${her.name}`;
  mkdirSync(herHome);
  chownSync(herHome, her.uid, her.gid);
  const hers = await startFuseFixture(`${herHome}/mnt`, { user: her, allowOther: false, uid: her.uid, gid: her.gid });
  cleanups.push(() => hers.stop());

  const dir = mkdtempSync(join(tmpdir(), 'msm-scanload-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'run', 'helper.sock');
  const daemon = new DaemonProcess(['--include', '/home/**', '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked \d+ mounts in/);
  const follow = new Follower(socket, { uid: victim.uid, gid: victim.gid });
  cleanups.push(() => follow.stop());
  const rootFollow = new Follower(socket);
  cleanups.push(() => rootFollow.stop());
  await follow.waitFor((m) => m.mountpoint === home && m.watched === 'home' && m.state === 'ok', 15_000);

  // Her processes: cwd elsewhere, their one file in the mount opened last, each then waiting on it.
  const holders: ChildProcess[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const [cmd, ...args] = ['nice', '-n', '10', 'prlimit', `--nofile=${hardFileLimit()}`, '--', ...asUser(her, ['perl', '-e', HOLDER, hers.mountpoint, String(FILES_EACH)])];
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    holders.push(child);
  }
  await Promise.all(holders.map(ready));
  hers.setMode('hang');
  for (const h of holders) h.stdin!.write('go\n');
  // One lookup is held by her daemon; the others wait for the directory's lock (D state) behind it.
  await waitUntil(() => holders.every((h) => /^(request_wait_answer|fuse_lock_inode)$/.test(wchan(h.pid!))), 20_000, () => `her processes waiting on her mount: ${holders.map((h) => wchan(h.pid!)).join(' ')}`);
  const [sh, ...shArgs] = asUser(victim, ['sh', '-c', 'read x; exec cat hello.txt']);
  const reader = spawn(sh!, shArgs, { cwd: home, stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.push(() => void reader.kill('SIGKILL'));

  const client = await connectHelper(socket, { timeoutMs: 10_000, clientName: 'scan-load' });
  cleanups.push(() => client.close());
  await client.recheck(hers.mountpoint);
  await rootFollow.waitFor((m) => m.mountpoint === hers.mountpoint && (m.state === 'slow' || m.state === 'hung' || m.state === 'stuck'), 15_000);
  await sleep(1000); // the first scan (0.5 s after) is under way

  const answers: number[] = [];
  const ticksBefore = cpuTicks(daemon.pid);
  const started = Date.now();
  let frozenAt = 0;
  const mark = follow.lines.length;
  while (Date.now() - started < MEASURE_MS) {
    if (frozenAt === 0 && Date.now() - started > MEASURE_MS / 3) {
      await fx.freeze();
      frozenAt = Date.now();
      reader.stdin!.write('go\n');
    }
    const asked = performance.now();
    await client.snapshot().catch(() => undefined); // unanswered after the client's timeout: counted as that long
    answers.push(performance.now() - asked);
    await sleep(50);
  }
  const cpu = (cpuTicks(daemon.pid) - ticksBefore) / 100 / ((Date.now() - started) / 1000);
  const sorted = [...answers].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)]!;
  const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
  const max = sorted.at(-1)!;
  console.log(`# ${answers.length} status answers under the load: median ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
  const slow = await follow.waitFor((m) => m.mountpoint === home && m.state === 'slow', 10_000, mark).catch(() => undefined);
  const slowMs = slow ? slow.at - frozenAt : Infinity;
  console.log(`# frozen home reported slow after ${slowMs} ms; the helper used ${(cpu * 100).toFixed(1)} % of a core`);
  assert.ok(max <= ANSWER_MAX_MS, `a status answer took ${max.toFixed(0)} ms (median ${p50.toFixed(1)} ms)`);
  assert.ok(p95 <= ANSWER_P95_MS, `1 in 20 status answers took over ${p95.toFixed(0)} ms (median ${p50.toFixed(1)} ms)`);
  assert.ok(slowMs <= 3000, `the frozen home was reported slow ${slowMs} ms after the freeze`);
  assert.ok(cpu <= CPU_SHARE, `the helper used ${(cpu * 100).toFixed(1)} % of a core`);

  // The victim's program is named; hers, with their files not all read, are counted as not examined.
  const homeSeen = await rootFollow.waitFor((m) => m.mountpoint === home && (m.blocked?.processes ?? []).some((p) => p.pid === reader.pid), 15_000);
  assert.ok(homeSeen);
  const hersSeen = rootFollow.latest(hers.mountpoint);
  const blocked = hersSeen?.blocked as { count: number; unexamined?: number } | undefined;
  console.log(`# her mount: ${blocked?.count} processes named, ${blocked?.unexamined ?? 0} not examined`);
  assert.ok((blocked?.unexamined ?? 0) >= PROCESSES, `the scan says it did not examine them all: ${JSON.stringify(hersSeen?.blocked)}`);

  fx.thaw();
  hers.setMode('ok');
});
