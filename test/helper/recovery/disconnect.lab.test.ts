// `mountstatus disconnect` on the kernel's real NFS client (Debian 13's 6.12, in the lab guest: see
// test/lab/lab-suite): a hard NFS v4.2 home whose server is cut by nftables, with a reader blocked in D
// state, a shell whose cwd is inside blocked opening a file there, and a writer whose fsync waits on dirty
// pages. Disconnecting frees all three with EIO within a second of the knob's write, the mount stays in
// the table marked disconnected, a new access fails at once, and --then-unmount leaves no trace. Mounts
// sharing the superblock are named and go with it; a `recover … shutdown` rule fires once, after its
// duration; the server's return is logged with the advice to remount.
//
// timeo=10,retrans=2 only make the kernel log "not responding" sooner; the mounts stay hard. Each scenario
// mounts from its own loopback address: NFSv4 mounts of one address share a client (lab-nfs.ts).
// Times under the lab's software emulation: a CLI call 2-5 s, the daemon 7-9 s to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { nfsServerUnavailable, startNfsServer, type NfsServer } from '../../support/lab-nfs.js';
import { mountsAt } from '../../support/mounts.js';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { scanBlocked } from '../../../src/node/passive/blocked-processes.js';
import { runCli } from '../cli/cli-harness.js';
import { Follower } from '../cli/follow-client.js';
import { startRecoveryDaemon, type RecoveryDaemon } from './recovery-daemon.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? nfsServerUnavailable() : ns.reason);
const OPTIONS = 'vers=4.2,hard,timeo=10,retrans=2';
/** The recover rule's duration, seconds. */
const RULE_S = 4;

const cleanups = cleanupsAfter();


async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs: number, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}

/** Some thread of the process in D state. */
function inD(pid: number): boolean {
  try {
    for (const tid of execFileSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      if (stat.charAt(stat.lastIndexOf(')') + 2) === 'D') return true;
    }
  } catch {
    return false;
  }
  return false;
}

interface Watched {
  child: ChildProcess;
  name: string;
  output: string;
  /** When it printed its verdict (EIO…) or exited. */
  doneAt?: number;
}

function watch(name: string, cmd: string, args: string[], cwd?: string): Watched {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  const w: Watched = { child, name, output: '' };
  const seen = (d: Buffer) => {
    w.output += d;
    if (/EIO|Input\/output error|synced/.test(w.output)) w.doneAt ??= Date.now();
  };
  child.stdout!.on('data', seen);
  child.stderr!.on('data', seen);
  child.on('exit', () => (w.doneAt ??= Date.now()));
  cleanups.push(() => void child.kill('SIGKILL'));
  return w;
}

function mountNfs(address: string, dir: string, mountpoint: string, extra = ''): { device: string; id: number } {
  mkdirSync(mountpoint, { recursive: true });
  execFileSync('mount', ['-t', 'nfs', '-o', `${OPTIONS}${extra}`, `${address}:${dir}`, mountpoint], { timeout: 60_000 });
  cleanups.push(() => void spawnSync('umount', ['-l', mountpoint]));
  const m = mountsAt(mountpoint).at(-1)!;
  assert.equal(m.fstype, 'nfs4', JSON.stringify(m));
  return { device: m.device, id: m.id };
}

const knob = (device: string) => `/sys/fs/nfs/${device}/shutdown`;

interface World {
  nfs: NfsServer;
  dir: string;
  base: string;
  helper: RecoveryDaemon;
  follow: Follower;
}
let world: World | undefined;

async function setUp(): Promise<World> {
  if (world) return world;
  const nfs = startNfsServer();
  cleanups.push(() => nfs.stop());
  const dir = nfs.exportDir('home');
  writeFileSync(join(dir, 'notes.txt'), 'the reader reads this\n');
  writeFileSync(join(dir, 'profile'), 'the shell opens this\n');
  const base = mkdtempSync(join(tmpdir(), 'msm-disconnect-lab-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const helper = await startRecoveryDaemon({
    config: [`recover = ${base}/policy after ${RULE_S}s shutdown`],
    args: ['--interval', '1', '--timeout', '3', '--include', `${base}/**`, '--watch', `${base}/*`],
    cleanups,
    startTimeoutMs: 120_000,
  });
  const follow = new Follower(helper.socket);
  cleanups.push(() => follow.stop());
  world = { nfs, dir, base, helper, follow };
  return world;
}

test('a dead NFS home: disconnect frees a blocked reader, a shell with its cwd inside and a writer with dirty pages at once; the mount stays, disconnected; --then-unmount leaves no trace', { skip, timeout: 600_000 }, async () => {
  const { nfs, dir, base, helper, follow } = await setUp();
  const home = join(base, 'home');
  const { device } = mountNfs('127.0.0.2', dir, home);
  assert.equal(readFileSync(knob(device), 'utf8'), '0\n', 'the knob of this superblock, named by its device number');
  await follow.waitFor((m) => m.mountpoint === home && m.state === 'ok', 60_000);

  // Before the cut: the writer has dirty pages (written, not yet sent), the shell sits in the home.
  const writer = watch('writer', process.execPath, [
    '-e',
    `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(join(home, 'dirty'))}, 'w');
     fs.writeSync(fd, Buffer.alloc(4 << 20, 7)); console.log('written');
     process.stdin.once('data', () => { try { fs.fsyncSync(fd); console.log('synced'); } catch (e) { console.log(e.code); } process.exit(0); });`,
  ]);
  await waitFor('the writer to write', () => writer.output.includes('written'), 60_000);
  const shell = watch('shell', 'bash', ['-c', 'read go; exec 3<./profile && echo opened || echo "open failed"'], home);
  // The reader opens its file now and reads it after the cut: blocked in read(), on a descriptor /proc
  // shows (a program blocked in open() of a path is invisible there). Its pages must come from the server.
  const reader = watch('reader', 'bash', ['-c', `exec 3<${JSON.stringify(join(home, 'notes.txt'))}; read go; exec cat <&3`]);
  writeFileSync('/proc/sys/vm/drop_caches', '3');

  const mark = follow.lines.length;
  nfs.cut();
  for (const w of [reader, writer, shell]) w.child.stdin!.write('go\n');
  const all = [reader, shell, writer];
  await waitFor('all three blocked in D state', () => all.every((w) => inD(w.child.pid!)), 120_000, 100);
  await follow.waitFor((m) => m.mountpoint === home && (m.state === 'hung' || m.state === 'slow'), 60_000, mark);

  // What the helper can see of them in /proc (scanBlocked: a D-state task with its cwd, a descriptor or a
  // mapping in the mount), named for the record.
  const table = await readMountTable();
  const seenBlocked = [...(await scanBlocked({ entries: table.entries, targets: table.entries.filter((e) => e.mountpoint === home).map((e) => e.mountId) })).byMount.values()].flat();
  console.log(`# blocked on the home before: ${seenBlocked.map((p) => `${p.comm}[${p.pid}]`).join(', ')} (ours: ${all.map((w) => `${w.name}[${w.child.pid}]`).join(', ')})`);
  assert.ok(seenBlocked.length >= 2, 'the shell (cwd) and the writer (open file) at least');

  // Polled from here: when the knob flips, and when each program gets its error.
  let flippedAt: number | undefined;
  const poll = setInterval(() => {
    if (flippedAt === undefined && readFileSync(knob(device), 'utf8') === '1\n') flippedAt = Date.now();
  }, 5);
  const r = await runCli(['disconnect', '--yes', '--socket', helper.socket, home], { timeoutMs: 120_000 });
  clearInterval(poll);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(flippedAt !== undefined, 'the knob reads 1');
  // The helper leaves its own probes out; each program it saw blocked is released, none stays.
  const counted = /(\d+) of (\d+) blocked programs released\n/.exec(r.stdout);
  assert.ok(counted && counted[1] === counted[2], `none stays: ${r.stdout}`);
  const n = Number(counted[1]);
  console.log(`# the helper saw ${n} blocked programs and released all`);
  assert.ok(n >= 2 && n <= 3, `the shell (cwd) and the writer (open file) at least, our three at most: ${n}`);
  assert.match(r.stdout, new RegExp(`${home} is disconnected: ${n} blocked programs released; everything on it fails until it is unmounted and mounted again\\.`));
  await helper.daemon.waitFor(new RegExp(`Disconnected ${home} \\(server 127\\.0\\.0\\.2\\): ${n} programs released; asked by uid 0`), 60_000);
  for (const w of all) await waitFor(`${w.name} to get its error`, () => w.doneAt, 5000);
  const after = all.map((w) => `${w.name} ${w.doneAt! - flippedAt!} ms`);
  console.log(`# freed after the knob's write (polled every 5 ms): ${after.join(', ')}; the CLI took ${r.ms} ms`);
  for (const w of all) assert.ok(w.doneAt! - flippedAt! <= 1000, `${w.name} freed within 1 s: ${after.join(', ')}`);
  assert.match(reader.output, /Input\/output error/, `the reader: ${reader.output}`);
  assert.match(shell.output, /Input\/output error|open failed/, `the shell: ${shell.output}`);
  assert.match(writer.output, /EIO/, `the writer's fsync: ${writer.output}`);

  assert.equal(mountsAt(home).length, 1, 'still mounted');
  const marked = await follow.waitFor((m) => m.mountpoint === home && m.state === 'disconnected', 30_000, mark);
  assert.match(String(marked.mount.message), /disconnected from its server \(\/sys\/fs\/nfs\/.*\/shutdown\)/);
  const s = await runCli(['status', '--json', '--socket', helper.socket], { timeoutMs: 60_000 });
  const listed = (JSON.parse(s.stdout) as { mounts: { mountpoint: string; state: string }[] }).mounts.find((m) => m.mountpoint === home);
  assert.equal(listed?.state, 'disconnected', s.stdout);
  const t0 = Date.now();
  assert.throws(() => statSync(join(home, 'anything')), /EIO/, 'a new access fails at once');
  const took = Date.now() - t0;
  console.log(`# a new stat() on the disconnected mount failed in ${took} ms`);
  assert.ok(took < 1000, `at once: ${took} ms`);
  const sweeps = (helper.daemon.stderr.match(/Checked \d+ mounts? in/g) ?? []).length;
  await waitFor('three more sweeps', () => (helper.daemon.stderr.match(/Checked \d+ mounts? in/g) ?? []).length >= sweeps + 3, 60_000, 200);
  assert.equal(follow.latest(home)?.state, 'disconnected', 'it stays disconnected, unprobed');

  const gone = await runCli(['disconnect', '--then-unmount', '--yes', '--socket', helper.socket, home], { timeoutMs: 120_000 });
  assert.equal(gone.code, 0, gone.stdout + gone.stderr);
  assert.match(gone.stdout, /unmounted \(lazily\)/);
  assert.equal(mountsAt(home).length, 0, 'no longer mounted');
  await waitFor('its superblock gone from /sys/fs/nfs', () => !existsSync(`/sys/fs/nfs/${device}`), 30_000, 100);
  await follow.waitFor((m) => m.mountpoint === home && m.removed === true, 30_000, mark);
  nfs.restore();
});

test('mounts sharing the superblock are named before and disconnected with it; the server\'s return is logged with the advice to remount', { skip, timeout: 300_000 }, async () => {
  const { nfs, dir, base, helper, follow } = await setUp();
  nfs.restore();
  const one = join(base, 'one');
  const two = join(base, 'two');
  const a = mountNfs('127.0.0.3', dir, one);
  const b = mountNfs('127.0.0.3', dir, two);
  assert.equal(a.device, b.device, 'one superblock for both (no nosharecache)');
  await follow.waitFor((m) => m.mountpoint === two && m.state === 'ok', 60_000);
  const r = await runCli(['disconnect', '--yes', '--socket', helper.socket, one], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`shares its superblock \\(device ${a.device}\\) with ${two}: all are disconnected`));
  assert.match(r.stdout, new RegExp(`${one} \\(with ${two}\\) is disconnected`));
  await helper.daemon.waitFor(new RegExp(`Disconnected ${one} \\(server 127\\.0\\.0\\.3\\): 0 programs released; with it ${two} \\(the same superblock\\)`), 60_000);
  await follow.waitFor((m) => m.mountpoint === two && m.state === 'disconnected', 30_000);
  // The server never went: it answers, and the log says the mounts need a remount, once each.
  await helper.daemon.waitFor(new RegExp(`Server 127\\.0\\.0\\.3 answers again, but ${two} stays disconnected \\(a shutdown has no undo\\): unmount it and mount it again`), 60_000);
  await sleep(3000);
  assert.equal((helper.daemon.stderr.match(new RegExp(`answers again, but ${one} stays`, 'g')) ?? []).length, 1, 'once');
});

test('a recover … shutdown rule disconnects a dead mount once, after its duration', { skip, timeout: 300_000 }, async () => {
  const { nfs, dir, base, helper, follow } = await setUp();
  nfs.restore();
  const policy = join(base, 'policy');
  mountNfs('127.0.0.4', dir, policy);
  await follow.waitFor((m) => m.mountpoint === policy && m.state === 'ok', 60_000);
  const mark = follow.lines.length;
  nfs.cut();
  const down = await follow.waitFor((m) => m.mountpoint === policy && m.state === 'slow', 60_000, mark);
  await helper.daemon.waitFor(new RegExp(`Disconnected ${policy} \\(server 127\\.0\\.0\\.4\\): \\d+ programs? released; after \\d+ seconds not responding`), 120_000);
  const firedAt = Date.now();
  const seconds = Number(new RegExp(`Disconnected ${policy} .*; after (\\d+) seconds not responding`).exec(helper.daemon.stderr)![1]);
  console.log(`# the rule (after ${RULE_S}s) fired ${firedAt - down.at} ms after the mount was seen slow; logged ${seconds} s not responding`);
  assert.ok(seconds >= RULE_S, `not before its duration: ${seconds} s`);
  await follow.waitFor((m) => m.mountpoint === policy && m.state === 'disconnected', 30_000, mark);
  await sleep(3 * RULE_S * 1000);
  assert.equal((helper.daemon.stderr.match(new RegExp(`Disconnected ${policy} `, 'g')) ?? []).length, 1, 'once');
  nfs.restore();
});
