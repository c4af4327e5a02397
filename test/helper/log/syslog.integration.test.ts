// The helper's logging against Debian's real rsyslogd (test/support/rsyslog.ts): exact lines with
// ident, PID, facility and severity; one line per message whatever the mountpoint is called; and
// logging that never blocks: no socket, a SIGSTOPped daemon, a killed logger(1).
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
const ns = privateMountNamespace(import.meta.url);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, fstatSync, readFileSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startRsyslog, rsyslogUnavailable } from '../../support/rsyslog.js';
import { openLog, type OpenLog } from '../../../src/helper/log/open-log.js';
import * as lines from '../../../src/helper/log/lines.js';
import { setTimeout as sleep } from 'node:timers/promises';

const noRsyslog = skipOrFail(rsyslogUnavailable());
const pid = process.pid;
const tag = `MountStatusMonitor[${pid}]:`;


async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function tempFile(): { path: string; fd: number; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'msm-log-test-'));
  const path = join(dir, 'stderr');
  return { path, fd: openSync(path, 'w'), dir };
}

test('the seed lines arrive exactly, with ident, our PID, facility daemon and severity', { skip: noRsyslog }, async () => {
  const rs = await startRsyslog();
  const err = tempFile();
  const log = openLog({ syslogSocket: rs.socketPath, stderrFd: err.fd });
  try {
    log.line(lines.checked(42, 0.2, 0));
    log.line(lines.checked(37, 60, 1));
    log.line(lines.timedOut(30686));
    log.line(lines.denied('/example', 0o4000));
    log.line(lines.errnoFailure('/mnt/x', 'ENOTCONN'));
    log.line(lines.recovered('/mnt/x', 180));
    log.line(lines.checked(1, 1, 0));
    log.line(lines.staleSocketRemoved('/run/x/helper-v1.sock'));
    const last = `daemon.info ${tag} Removed the stale helper socket /run/x/helper-v1.sock`;
    await rs.waitForLine(last);
    const ours = (await rs.lines()).filter((l) => l.includes(tag));
    assert.deepEqual(ours, [
      `daemon.info ${tag} Checked 42 mounts in 0 seconds`,
      `daemon.warning ${tag} Checked 37 mounts in 60 seconds: 1 dead`,
      `daemon.err ${tag} Timed out waiting for child process 30686: sending SIGKILL`,
      `daemon.warning ${tag} Couldn't check mountpoint /example: mode 4000 does not allow access`,
      `daemon.err ${tag} Couldn't check mountpoint /mnt/x: ENOTCONN: Transport endpoint is not connected`,
      `daemon.notice ${tag} Mountpoint /mnt/x is responding again after 3 minutes`,
      `daemon.info ${tag} Checked 1 mounts in 1 seconds`,
      last,
    ]);
    assert.equal(log.syslogStats()?.state, 'up');
    assert.equal(readFileSync(err.path, 'utf8'), '', 'nothing on stderr while syslog works and no echo was asked for');
  } finally {
    await log.close();
    await rs.stop();
    closeSync(err.fd);
    rmSync(err.dir, { recursive: true, force: true });
  }
});

test('a mountpoint with a newline or tab stays on one line, escaped as \\012 and \\011', { skip: noRsyslog }, async () => {
  const rs = await startRsyslog();
  const log = openLog({ syslogSocket: rs.socketPath });
  try {
    log.line(lines.denied('/mnt/evil\nMountStatusMonitor[1]: Checked 0 mounts', 0));
    log.line(lines.errnoFailure('/mnt/tab\there\\', 'EIO'));
    log.line({ severity: 'warning', text: 'a line built elsewhere with a\nnewline' }); // the writer's safety net
    await rs.waitForLine(`daemon.warning ${tag} a line built elsewhere with a\\012newline`);
    const ours = (await rs.lines()).filter((l) => l.includes('MountStatusMonitor['));
    assert.deepEqual(ours, [
      `daemon.warning ${tag} Couldn't check mountpoint /mnt/evil\\012MountStatusMonitor[1]: Checked 0 mounts: mode 000 does not allow access`,
      `daemon.err ${tag} Couldn't check mountpoint /mnt/tab\\011here\\134: EIO: Input/output error`,
      `daemon.warning ${tag} a line built elsewhere with a\\012newline`,
    ]);
  } finally {
    await log.close();
    await rs.stop();
  }
});

test('no syslog socket: calls return at once, lines go to stderr and are counted, and syslog is picked up when it appears', { skip: noRsyslog }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msm-nosock-'));
  const socket = join(dir, 'log');
  const err = tempFile();
  const log = openLog({ syslogSocket: socket, stderrFd: err.fd, writer: { restartInitialMs: 50, restartMaxMs: 200 } });
  let rs: Awaited<ReturnType<typeof startRsyslog>> | undefined;
  try {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) log.line(lines.checked(i, 0, 0));
    const spent = performance.now() - t0;
    console.log(`# 1000 log calls with no syslog socket took ${spent.toFixed(1)} ms`);
    assert.ok(spent < 1000, `log calls must not wait for syslog (took ${spent} ms)`);
    await waitFor(() => log.syslogStats()?.state === 'unavailable', 'state unavailable');
    await waitFor(() => readFileSync(err.path, 'utf8').includes('Checked 999 mounts in 0 seconds'), 'stderr fallback');
    const stderr = readFileSync(err.path, 'utf8');
    assert.match(stderr, /Syslog unavailable: socket .*: No such file or directory/);
    assert.ok(stderr.includes(`MountStatusMonitor[${pid}]: info: Checked 1 mounts in 0 seconds\n`));
    assert.equal(log.syslogStats()?.unavailable, 1000);
    log.line(lines.timedOut(1)); // still unavailable (or retrying, and failing again): another counted line
    await waitFor(() => log.syslogStats()?.unavailable === 1001, '1001 lines counted as unavailable');

    rs = await startRsyslog({ socketPath: socket });
    await rs.waitForLine(
      `daemon.warning ${tag} Syslog was unavailable (socket ${socket}: No such file or directory): 1001 log messages went to standard error only`,
      5000,
    );
    log.line(lines.checked(5, 1, 0));
    await rs.waitForLine(`daemon.info ${tag} Checked 5 mounts in 1 seconds`);
  } finally {
    await log.close();
    await rs?.stop();
    closeSync(err.fd);
    rmSync(err.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A logger(1) that takes `seconds` to start, as under load: a shell that sleeps, then execs logger. */
function slowLogger(dir: string, seconds: number): string {
  const path = join(dir, 'slow-logger');
  writeFileSync(path, `#!/bin/sh\nsleep ${seconds}\nexec logger "$@"\n`, { mode: 0o755 });
  return path;
}

test('a slow-starting logger and no socket: lines wait for it to connect, then go to stderr, none lost', { skip: noRsyslog }, async () => {
  // Node's stdio pipes are socketpairs, so logger's fds 0 and 2 are sockets from the start: taking any
  // socket as "connected" sent these lines into a logger that then failed to connect, and they were lost.
  const dir = mkdtempSync(join(tmpdir(), 'msm-slowlogger-'));
  const err = tempFile();
  const log = openLog({
    syslogSocket: join(dir, 'no-such-socket'),
    stderrFd: err.fd,
    writer: { loggerPath: slowLogger(dir, 0.3), readyTimeoutMs: 5000, restartInitialMs: 60_000 },
  });
  try {
    for (let i = 0; i < 5; i++) log.line(lines.checked(i, 0, 0));
    await sleep(100);
    assert.equal(log.syslogStats()?.state, 'starting', 'not up before logger has connected');
    await waitFor(() => log.syslogStats()?.state === 'unavailable', 'state unavailable');
    await waitFor(() => readFileSync(err.path, 'utf8').includes('Checked 4 mounts'), 'all five lines on stderr');
    const stderr = readFileSync(err.path, 'utf8');
    for (let i = 0; i < 5; i++) assert.ok(stderr.includes(`info: Checked ${i} mounts in 0 seconds\n`), stderr);
    assert.equal(log.syslogStats()?.unavailable, 5);
    assert.doesNotMatch(stderr, /logger\) stopped/, 'a logger that never connected did not "stop": syslog was unavailable');
  } finally {
    await log.close();
    closeSync(err.fd);
    rmSync(err.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a slow-starting logger with a real rsyslogd: up only once connected, and every line arrives', { skip: noRsyslog }, async () => {
  const rs = await startRsyslog();
  const dir = mkdtempSync(join(tmpdir(), 'msm-slowlogger-'));
  const log = openLog({ syslogSocket: rs.socketPath, writer: { loggerPath: slowLogger(dir, 0.3), readyTimeoutMs: 5000 } });
  try {
    log.line(lines.checked(7, 0, 0));
    await sleep(100);
    assert.equal(log.syslogStats()?.state, 'starting');
    await rs.waitForLine(`daemon.info ${tag} Checked 7 mounts in 0 seconds`);
    assert.equal(log.syslogStats()?.state, 'up');
  } finally {
    await log.close();
    await rs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a SIGSTOPped rsyslogd: 5,000 log calls never block the event loop; the drop notice comes after SIGCONT', { skip: noRsyslog, timeout: 60_000 }, async () => {
  const rs = await startRsyslog();
  const log: OpenLog = openLog({ syslogSocket: rs.socketPath, writer: { maxQueued: 1000 } });
  const h = monitorEventLoopDelay({ resolution: 5 });
  try {
    log.line(lines.checked(1, 0, 0));
    await rs.waitForLine(`daemon.info ${tag} Checked 1 mounts in 0 seconds`);
    rs.freeze();
    h.enable();
    let slowest = 0;
    for (let i = 0; i < 5000; i++) {
      const t = performance.now();
      log.line(lines.timedOut(i)); // a line per call, told apart by its number
      slowest = Math.max(slowest, performance.now() - t);
      if (i % 100 === 99) await sleep(1); // let the loop turn, as a sweep's callbacks would
    }
    await sleep(500); // and keep running while syslog is frozen
    h.disable();
    const maxMs = h.max / 1e6;
    console.log(
      `# frozen syslog, 5000 calls: slowest call ${slowest.toFixed(2)} ms; event-loop delay ` +
        `p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`,
    );
    assert.ok(maxMs < 200, `event loop blocked for ${maxMs} ms`);
    assert.ok(slowest < 100, `a log call took ${slowest} ms`);
    const s = log.syslogStats()!;
    console.log(`# while frozen: queued ${s.queued}, dropped ${s.dropped}, written to logger ${s.written}`);
    assert.ok(s.queued <= 1000, 'the queue is bounded');
    assert.ok(s.dropped > 0, 'a frozen syslog with 5000 messages must overflow the 1000-line queue');

    rs.thaw();
    const notice = await rs.waitForLine(new RegExp(`^daemon\\.warning MountStatusMonitor\\[${pid}\\]: Dropped \\d+ log messages while syslog was not accepting them$`), 15_000);
    await rs.waitForLine(`daemon.err ${tag} Timed out waiting for child process 4999: sending SIGKILL`, 15_000); // the newest survive
    const dropped = Number(/Dropped (\d+)/.exec(notice)![1]);
    const arrived = (await rs.lines()).filter((l) => l.includes(`${tag} Timed out waiting for child process `));
    assert.equal(dropped, s.dropped);
    assert.equal(arrived.length + dropped, 5000, 'every line either arrives or is counted as dropped');
    const ours = (await rs.lines()).filter((l) => l.includes(tag));
    const gap = ours.indexOf(notice);
    // The notice sits where the gap is: after the last line that got through, before the first that survived.
    const before = Number(/child process (\d+):/.exec(ours[gap - 1] ?? '')?.[1] ?? -1);
    const after = Number(/child process (\d+):/.exec(ours[gap + 1] ?? '')?.[1]);
    assert.equal(after - before - 1, dropped, `notice at the gap: ${ours[gap - 1]} / ${ours[gap + 1]}`);
  } finally {
    rs.thaw();
    await log.close();
    await rs.stop();
  }
});

test('logger killed: it is restarted and later lines arrive', { skip: noRsyslog }, async () => {
  const rs = await startRsyslog();
  const err = tempFile();
  const log = openLog({ syslogSocket: rs.socketPath, stderrFd: err.fd, writer: { restartInitialMs: 50 } });
  try {
    log.line(lines.checked(2, 0, 0));
    await rs.waitForLine(`daemon.info ${tag} Checked 2 mounts in 0 seconds`);
    const first = log.syslogStats()?.loggerPid;
    assert.ok(first !== undefined);
    process.kill(first, 'SIGKILL');
    await waitFor(() => log.syslogStats()?.loggerExits === 1, 'logger exit noticed');
    log.line(lines.checked(3, 0, 0)); // queued while logger restarts
    await rs.waitForLine(`daemon.info ${tag} Checked 3 mounts in 0 seconds`);
    const s = log.syslogStats()!;
    assert.equal(s.loggerStarts, 2);
    assert.notEqual(s.loggerPid, first);
    assert.match(readFileSync(err.path, 'utf8'), /Syslog writer \(logger\) stopped: logger was killed by SIGKILL; restarting it/);
  } finally {
    await log.close();
    await rs.stop();
    closeSync(err.fd);
    rmSync(err.dir, { recursive: true, force: true });
  }
});

test('echo on a journal stream: sd-daemon <N> prefixes on stderr, and an admin\'s own syslog socket still gets every line', { skip: noRsyslog }, async () => {
  const rs = await startRsyslog();
  const err = tempFile();
  const st = fstatSync(err.fd);
  const log = openLog({ syslogSocket: rs.socketPath, echo: true, stderrFd: err.fd, env: { JOURNAL_STREAM: `${st.dev}:${st.ino}` } });
  try {
    log.line(lines.checked(37, 60, 1));
    await rs.waitForLine(`daemon.warning ${tag} Checked 37 mounts in 60 seconds: 1 dead`);
    await waitFor(() => readFileSync(err.path, 'utf8') !== '', 'stderr echo');
    assert.equal(readFileSync(err.path, 'utf8'), '<4>Checked 37 mounts in 60 seconds: 1 dead\n');
  } finally {
    await log.close();
    await rs.stop();
    closeSync(err.fd);
    rmSync(err.dir, { recursive: true, force: true });
  }
});

test('the default socket is /dev/log (a private one, in this test\'s mount namespace only)', { skip: noRsyslog || skipOrFail(ns.canMount ? undefined : ns.reason) }, async () => {
  const hostDevLog = () => (existsSync('/proc/1/root/dev/log') ? statSync('/proc/1/root/dev/log').ino : undefined);
  const hostBefore = hostDevLog();
  const rs = await startRsyslog({ atDevLog: true });
  const log = openLog();
  try {
    assert.equal(rs.socketPath, '/dev/log');
    log.line(lines.nonRoot(1000));
    await rs.waitForLine(`daemon.notice ${tag} ${lines.nonRoot(1000).text}`);
  } finally {
    await log.close();
    await rs.stop();
  }
  // The host's /dev (seen through PID 1's root) is untouched: no /dev/log made or replaced.
  assert.equal(hostDevLog(), hostBefore);
});

test('without CAP_SYS_ADMIN (a unit\'s bounding set) lines still arrive with our PID in the tag', { skip: noRsyslog }, async () => {
  const rs = await startRsyslog();
  try {
    const module = new URL('../../../src/helper/log/open-log.js', import.meta.url).href;
    const linesModule = new URL('../../../src/helper/log/lines.js', import.meta.url).href;
    const script = `
      const { openLog } = await import(${JSON.stringify(module)});
      const lines = await import(${JSON.stringify(linesModule)});
      const log = openLog({ syslogSocket: ${JSON.stringify(rs.socketPath)} });
      for (let i = 0; i < 500 && log.syslogStats().state !== 'up'; i++) await new Promise((r) => setTimeout(r, 10));
      log.line(lines.checked(3, 0, 0));
      await log.close();
      console.log(process.pid, log.syslogStats().written);`;
    // As root, but with CAP_SYS_ADMIN gone from every set: logger --id would get EPERM on each send.
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('setpriv', ['--inh-caps=-sys_admin', '--bounding-set=-sys_admin', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    const [child, written] = out.trim().split(' ').map(Number);
    assert.equal(written, 1, 'logger took the line');
    await rs.waitForLine(`daemon.info MountStatusMonitor[${child}]: Checked 3 mounts in 0 seconds`);
  } finally {
    await rs.stop();
  }
});
