// `mountstatus daemon` as a real process: the seed's syslog lines through a real rsyslogd at /dev/log
// (private to this test's mount namespace), SIGTERM, SIGHUP with good and bad configs, and no pile-up of
// probes on a frozen mount across many sweeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { startFuseFixture } from '../../support/fuse-fixture.js';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { rsyslogUnavailable, startRsyslog } from '../../support/rsyslog.js';
import { DaemonProcess } from './cli-harness.js';
import { childPids, mountTmpfs, startBindfs, stopBindfs, tempRoot } from './fs-fixtures.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? rsyslogUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

async function frozenMount(root: string): Promise<string> {
  const mountpoint = join(root, 'frozen');
  const bindfs = await startBindfs(join(root, 'src'), mountpoint);
  bindfs.kill('SIGSTOP');
  cleanups.push(() => stopBindfs(bindfs, mountpoint));
  return mountpoint;
}

test("the seed's lines reach a real syslog daemon at /dev/log, exactly, with ident, PID and facility", { skip }, async () => {
  const rsyslog = await startRsyslog({ atDevLog: true });
  cleanups.push(() => rsyslog.stop());
  const root = tempRoot('msm-daemon-log-');
  mountTmpfs(join(root, 'fine'));
  mountTmpfs(join(root, 'closed'), 'size=1m,mode=4000');
  await frozenMount(root);
  const daemon = new DaemonProcess(['--interval', '30', '--timeout', '1', '--include', `${root}/**`, '--socket', '']);
  cleanups.push(() => daemon.stop());
  const tag = `MountStatusMonitor[${daemon.pid}]:`;
  const summary = await rsyslog.waitForLine(new RegExp(`^daemon\\.warning ${escape(tag)} Checked 3 mounts in [0-9]+ seconds: 1 dead$`), 20_000);
  const lines = await rsyslog.lines();
  const timedOut = lines.find((l) => l.includes('Timed out waiting for child process'));
  assert.match(timedOut ?? '', new RegExp(`^daemon\\.err ${escape(tag)} Timed out waiting for child process [0-9]+: sending SIGKILL$`));
  assert.ok(lines.includes(`daemon.warning ${tag} Couldn't check mountpoint ${join(root, 'closed')}: mode 4000 does not allow access`), lines.join('\n'));
  assert.ok(lines.includes(`daemon.err ${tag} Mountpoint ${join(root, 'frozen')} is not responding: no answer within 1 second`), lines.join('\n'));
  assert.ok(lines.indexOf(summary) > lines.indexOf(timedOut!), 'the summary comes after the sweep');
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
  await rsyslog.waitForLine(`daemon.notice ${tag} Stopping`);
});

test('a stalled syslog daemon, or none at all, never stops monitoring', { skip }, async () => {
  const root = tempRoot('msm-daemon-nolog-');
  mountTmpfs(join(root, 'a'));
  const rsyslog = await startRsyslog();
  cleanups.push(() => rsyslog.stop());
  for (const socket of [rsyslog.socketPath, join(root, 'no-such-socket')]) {
    if (socket === rsyslog.socketPath) rsyslog.freeze();
    const daemon = new DaemonProcess(['--interval', '0.5', '--timeout', '2', '--include', `${root}/**`, '--socket', '', '--syslog-socket', socket]);
    cleanups.push(() => daemon.stop());
    // A sweep every half second (the shortest interval allowed) while nothing takes the lines.
    await sleep(4000);
    const sweeps = daemon.count(/Checked 1 mounts in/);
    console.log(`# syslog ${socket === rsyslog.socketPath ? 'stalled' : 'missing'}: ${sweeps} sweeps in 4 s at interval 0.5 s`);
    assert.ok(sweeps >= 4, `monitoring went on: ${sweeps} sweeps\n${daemon.stderr.slice(-2000)}`);
    daemon.child.kill('SIGTERM');
    assert.equal((await daemon.exited()).code, 0, 'SIGTERM exits promptly even with syslog stalled');
  }
  rsyslog.thaw();
});

/** Whether `pid` has a descriptor open on `path` (read from /proc: readlink never asks the filesystem). */
function holds(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

test('many sweeps of a frozen mount: one probe at a time, others unaffected; SIGTERM exits cleanly and kills probes', { skip }, async () => {
  const root = tempRoot('msm-daemon-pile-');
  for (let i = 0; i < 5; i++) mountTmpfs(join(root, `ok${i}`));
  const frozen = await frozenMount(root);
  const daemon = new DaemonProcess(['--interval', '0.5', '--timeout', '2', '--include', `${root}/**`, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  let maxProbes = 0;
  const frozenProbes = new Set<number>();
  const started = Date.now();
  while (Date.now() - started < 7000) {
    // The daemon's children: the prober; its children: the probes.
    const probes = childPids(daemon.pid).flatMap((p) => childPids(p));
    maxProbes = Math.max(maxProbes, probes.length);
    for (const pid of probes) if (holds(pid, frozen)) frozenProbes.add(pid);
    await sleep(50);
  }
  const sweeps = daemon.count(/Checked 6 mounts in/);
  const kills = daemon.count(/Timed out waiting for child process/);
  const probed = frozenProbes.size;
  console.log(`# 7 s with interval 0.5 s, timeout 2 s: ${sweeps} sweeps, ${probed} probes of the frozen mount, ${kills} SIGKILL line, at most ${maxProbes} probe children at once`);
  assert.ok(sweeps >= 2, daemon.stderr);
  assert.ok(probed >= 2 && probed <= Math.ceil(7 / 2) + 1, `one probe of the frozen mount per timeout, got ${probed}`);
  assert.equal(kills, 1, `the timeout is said once for the outage: ${daemon.stderr}`);
  assert.ok(maxProbes <= 6, `no pile-up: at most one probe per mount, saw ${maxProbes}`);
  const forkServers = childPids(daemon.pid);
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
  for (const pid of forkServers) assert.ok(!isAlive(pid), `prober ${pid} gone after SIGTERM`);
});

test('a probe stuck in D state after SIGKILL: reported stuck, never probed again until it exits, then recovery', { skip, timeout: 60_000 }, async () => {
  const root = tempRoot('msm-daemon-stuck-');
  const mnt = join(root, 'held');
  mkdirSync(mnt);
  const fuse = await startFuseFixture(mnt, { mode: 'hang' });
  cleanups.push(() => fuse.stop());
  const daemon = new DaemonProcess(['--interval', '0.5', '--timeout', '1', '--include', `${root}/**`, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Timed out waiting for child process (\d+): sending SIGKILL/);
  const pid = Number(/Timed out waiting for child process (\d+)/.exec(daemon.stderr)![1]);
  await daemon.waitFor(new RegExp(`Child process ${pid} for ${escape(mnt)} is still stuck \\d+ seconds? after SIGKILL; not probing it again until it exits`));
  await daemon.waitFor(/Checked 1 mounts in \d+ seconds: 1 dead/);
  // Several more sweeps: the stuck mount is skipped, the held request count stays at one.
  const before = daemon.count(/Checked 1 mounts in/);
  await sleep(2500);
  assert.ok(daemon.count(/Checked 1 mounts in/) >= before + 2, 'sweeps go on, not held up by the stuck probe');
  assert.equal(fuse.held(), 1, 'one request held: no second probe piled up behind the first');
  assert.equal(daemon.count(/Timed out waiting for child process/), 1);
  assert.ok(existsSync(`/proc/${pid}`), 'the killed probe is still there (D state)');
  fuse.setMode('ok');
  await daemon.waitFor(new RegExp(`Child process ${pid} for ${escape(mnt)} exited after being stuck for \\d+ seconds?; probing it again`));
  await daemon.waitFor(new RegExp(`Mountpoint ${escape(mnt)} is responding again after`));
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});

test('SIGHUP rereads the config; a bad config keeps the settings in force and says why', { skip }, async () => {
  const root = tempRoot('msm-daemon-hup-');
  mountTmpfs(join(root, 'a'));
  const config = join(root, 'msm.conf');
  writeFileSync(config, `# test\ninterval = 0.5\ntimeout = 3\ninclude = ${root}/**\n`);
  const daemon = new DaemonProcess(['--config', config, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked 1 mounts in/);
  writeFileSync(config, 'interval = 0.5\ntimeout = soon\n');
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Kept the previous settings: .*msm\.conf:2: timeout: expected a number of seconds/);
  const before = daemon.count(/Checked 1 mounts in/);
  await sleep(1500);
  assert.ok(daemon.count(/Checked 1 mounts in/) > before, 'still sweeping with the old settings');
  writeFileSync(config, `interval = 0.5\ntimeout = 3\ninclude = ${root}/**\nexclude = ${root}/a\n`);
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Reloaded .*msm\.conf/);
  await daemon.waitFor(/Checked 0 mounts in/);
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});

test('SIGTERM during the first sweep (a probe waiting on a frozen mount): exits 0, no false failure or "dead" line', { skip }, async () => {
  // Cancelling the probes in flight is our shutdown, not the mounts' failure: nothing about them is logged.
  const root = tempRoot('msm-daemon-term-');
  mountTmpfs(join(root, 'fine'));
  await frozenMount(root);
  const daemon = new DaemonProcess(['--interval', '60', '--timeout', '30', '--include', `${root}/**`, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Starting/);
  // Wait until the probe of the frozen mount is in flight: a child of the prober.
  const deadline = Date.now() + 10_000;
  while (childPids(daemon.pid).flatMap((p) => childPids(p)).length === 0 && Date.now() < deadline) await sleep(50);
  await sleep(300);
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
  assert.match(daemon.stderr, /Stopping/);
  assert.doesNotMatch(daemon.stderr, /Couldn't check mountpoint|ECANCELED|Checked \d+ mounts|not responding/, daemon.stderr);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
