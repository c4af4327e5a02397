// The prober (the helper's own child) killed or stopped mid-sweep. That is our
// failure, not the mounts': what it had in flight is probed again on a new server, no mount is reported
// failed or "responding again", and one event (one log line in the daemon) says what happened.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Monitor } from '../../../src/node/monitor/monitor.js';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { NativeProber, type ProberLost } from '../../../src/node/probe/native-prober.js';
import { probeTarget } from '../../../src/node/probe/probe-target.js';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { makeTempRoot, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { DaemonProcess } from '../../helper/cli/cli-harness.js';
import { mountLines } from './mount-lines.js';
import { isAlive, withBound } from './prober-suite.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const skipFuse = skip || skipOrFail(ns.canMount ? fuseFixtureUnavailable() : undefined);

/** The state letter of a process (proc(5) stat field 3), or undefined once it is gone. */
function state(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

describe('the prober lost mid-sweep', { skip: skipFuse }, () => {
  const MOUNTS = 400;
  const SLOW = 3;
  let root: TempRoot;
  const slow: FuseFixture[] = [];
  before(async () => {
    root = makeTempRoot('msm-server-lost-');
    const r = spawnSync('bash', ['-c', `for i in $(seq 1 ${MOUNTS}); do mkdir "$1/m$i" && mount -t tmpfs -o size=64k x "$1/m$i" || exit 1; done`, '-', root.path]);
    assert.equal(r.status, 0, String(r.stderr));
    // Slow but healthy mounts (each request answered after 300 ms): surely in flight when the server
    // is struck, however fast the tmpfs ones go.
    for (let i = 0; i < SLOW; i++) slow.push(await startFuseFixture(root.join(`slow${i}`), { mode: 'slow:300' }));
  });
  after(async () => {
    for (const fx of slow) await fx.stop();
    root.cleanup();
  });

  for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
    test(`${signal}: every mount still answers ok, nothing is logged against a mount, one event names the server`, { timeout: 60_000 }, async () => {
      const events: ProberLost[] = [];
      const prober = new NativeProber({ watchdogGraceMs: 300, onProberLost: (e) => events.push(e) });
      const { log, lines } = mountLines();
      const monitor = new Monitor({ intervalSeconds: 60, timeoutSeconds: 10, include: [`${root.path}/*`], exclude: [], mode: 'system', prober, log, readMountTable });
      let victim: number | undefined;
      let answered = 0;
      monitor.onChange((e) => {
        // Strike at the first answer: the slow mounts' probes, at least, are in flight.
        if (e.type !== 'mount' || ++answered !== 1) return;
        victim = prober.proberPid;
        assert.ok(victim);
        process.kill(victim, signal);
      });
      try {
        const report = await monitor.sweep();
        assert.ok(victim, 'the server was struck mid-sweep');
        const notOk = report.mounts.filter((m) => m.state !== 'ok');
        assert.deepEqual(notOk.slice(0, 3).map((m) => `${m.mountpoint}: ${m.state} ${m.message}`), [], `${notOk.length} mounts not ok`);
        assert.equal(report.checked, MOUNTS + SLOW);
        assert.deepEqual(lines, [], 'a mount was logged as failing or recovering');
        assert.equal(events.length, 1, JSON.stringify(events));
        assert.equal(events[0]!.pid, victim);
        assert.match(events[0]!.why, signal === 'SIGKILL' ? /^was killed by SIGKILL$/ : /^stopped answering \(no reply within 0\.3 seconds\) and was killed$/);
        assert.ok(events[0]!.inFlight >= SLOW && events[0]!.inFlight < MOUNTS + SLOW, `in flight: ${events[0]!.inFlight}`);
        assert.notEqual(prober.proberPid, victim, 'a new server took over');
        assert.equal(state(victim), undefined, `the struck server ${victim} is gone (state ${state(victim)})`);
        // A second sweep is ordinary: no event, all ok.
        const again = await monitor.sweep();
        assert.equal(again.mounts.filter((m) => m.state !== 'ok').length, 0);
        assert.equal(events.length, 1);
      } finally {
        if (victim && state(victim) === 'T') process.kill(victim, 'SIGKILL');
        await monitor.stop();
      }
    });
  }
});

describe('the prober lost while a probe hangs', { skip: skipFuse }, () => {
  let root: TempRoot;
  before(() => (root = makeTempRoot('msm-server-lost-fuse-')));
  after(() => root.cleanup());

  test('a probe whose child was killed with the server is probed again (once the child is gone) and is hung at its timeout', async (t) => {
    const fx = await startFuseFixture(root.join('frozen'));
    t.after(() => fx.stop());
    await fx.freeze(); // requests stay queued in the kernel: SIGKILL (the server's death) ends the child
    const events: ProberLost[] = [];
    const prober = new NativeProber({ onProberLost: (e) => events.push(e) });
    try {
      const target = probeTarget((await readMountTable()).entries.find((e) => e.mountId === fx.mountId)!);
      const run = prober.probe({ path: fx.mountpoint, timeoutMs: 2000, asOwner: true, ...target });
      await sleep(300);
      const server = prober.proberPid!;
      process.kill(server, 'SIGKILL');
      const r = await withBound(run.result, 10_000, 'no answer after the server died');
      assert.equal(r.state, 'hung', JSON.stringify(r));
      assert.deepEqual(events.map((e) => [e.pid, e.inFlight]), [[server, 1]]);
      await withBound(run.exited, 10_000, 'the second probe was not reaped');
      assert.equal(isAlive(r.pid), false);
    } finally {
      fx.thaw();
      await prober.close();
    }
  });

  test('a probe whose prober dies under it twice is unchecked, not the mount\'s failure', async (t) => {
    const fx = await startFuseFixture(root.join('slow-twice'), { mode: 'slow:1500' });
    t.after(() => fx.stop());
    const events: ProberLost[] = [];
    const prober = new NativeProber({ onProberLost: (e) => events.push(e) });
    try {
      const target = probeTarget((await readMountTable()).entries.find((e) => e.mountId === fx.mountId)!);
      const run = prober.probe({ path: fx.mountpoint, timeoutMs: 10_000, asOwner: true, ...target });
      const victims: number[] = [];
      for (let strike = 0; strike < 2; strike++) {
        // The probe is on this prober (the second: once its first child was seen gone) and in the mount.
        await withBound(untilNewProber(prober, victims), 5000, `no prober for strike ${strike + 1}`);
        await sleep(300);
        victims.push(prober.proberPid!);
        process.kill(victims.at(-1)!, 'SIGKILL');
      }
      const r = await withBound(run.result, 10_000, 'no answer after the second prober died');
      assert.equal(r.state, 'unchecked', JSON.stringify(r));
      assert.match((r as { message: string }).message, /^prober was killed by SIGKILL$/);
      assert.deepEqual(events.map((e) => [e.pid, e.inFlight]), victims.map((pid) => [pid, 1]));
      await withBound(run.exited, 10_000, 'the second child was not seen gone');
    } finally {
      await prober.close();
    }
  });

  test('a child stuck in the kernel when the server dies gets no second probe beside it: hung at its deadline, reaped when the mount lets go', async (t) => {
    const fx = await startFuseFixture(root.join('held'), { mode: 'hang' });
    t.after(() => fx.stop());
    const events: ProberLost[] = [];
    const prober = new NativeProber({ onProberLost: (e) => events.push(e) });
    try {
      const target = probeTarget((await readMountTable()).entries.find((e) => e.mountId === fx.mountId)!);
      const run = prober.probe({ path: fx.mountpoint, timeoutMs: 2500, asOwner: true, ...target });
      await fx.waitHeld(1);
      process.kill(prober.proberPid!, 'SIGKILL');
      const r = await withBound(run.result, 10_000, 'no answer after the server died');
      assert.equal(r.state, 'hung', JSON.stringify(r));
      assert.ok(r.latencyMs >= 2500 - 1, `hung at ${r.latencyMs} ms, before its deadline`);
      assert.equal(state(r.pid), 'D', `the first child ${r.pid} is the one reported, still in the kernel`);
      assert.equal(fx.held(), 1, 'a second probe reached the held mount');
      assert.equal(events[0]?.inFlight, 1);
      fx.setMode('ok');
      await withBound(run.exited, 10_000, 'the stuck child was not seen gone after the mount let go');
      assert.equal(isAlive(r.pid), false);
    } finally {
      await prober.close();
    }
  });
});

describe('the daemon', { skip }, () => {
  let root: TempRoot;
  before(() => (root = makeTempRoot('msm-server-lost-daemon-')));
  after(() => root.cleanup());

  test('logs one line when its prober dies', async () => {
    for (let i = 0; i < 3; i++) mountTmpfs(root.join(`m${i}`));
    const daemon = new DaemonProcess(['--interval', '1', '--timeout', '5', '--include', `${root.path}/*`, '--socket', '', '--no-syslog']);
    try {
      await daemon.waitFor(/Checked 3 mounts in/);
      const server = serverOf(daemon.pid);
      process.kill(server, 'SIGKILL');
      await daemon.waitFor(new RegExp(`Prober ${server} was killed by SIGKILL: `));
      const before = daemon.count(/Checked 3 mounts in/);
      await daemon.waitFor(new RegExp(`(Checked 3 mounts in [^\\n]*\\n[^]*){${before + 1}}`));
      assert.equal(daemon.count(/Prober \d+ /), 1, daemon.stderr);
      assert.equal(daemon.count(/dead|not responding|Couldn't check/), 0, daemon.stderr);
    } finally {
      daemon.stop();
    }
  });

  test('says nothing about its prober when a stop signal reaches them both (systemctl stop, timeout(1))', async () => {
    mountTmpfs(root.join('one'));
    const daemon = new DaemonProcess(['--interval', '1', '--timeout', '5', '--include', root.join('one'), '--socket', '', '--no-syslog']);
    try {
      await daemon.waitFor(/Checked 1 mounts in/);
      const server = serverOf(daemon.pid);
      // What KillMode=control-group does: SIGTERM to every process of the unit at once.
      process.kill(server, 'SIGTERM');
      process.kill(daemon.pid, 'SIGTERM');
      assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
      assert.equal(daemon.count(/Prober \d+ /), 0, daemon.stderr);
      assert.equal(state(server), undefined, 'the prober outlived the daemon');
    } finally {
      daemon.stop();
    }
  });
});

/** The daemon's msm-prober child. */
function serverOf(daemonPid: number): number {
  const children = readFileSync(`/proc/${daemonPid}/task/${daemonPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  const server = children.find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'msm-prober');
  assert.ok(server, `no msm-prober among the daemon's children ${children.join(' ')}`);
  return server;
}

/** Resolves once the prober runs a process that is none of `dead`. */
async function untilNewProber(prober: NativeProber, dead: number[]): Promise<void> {
  while (prober.proberPid === undefined || dead.includes(prober.proberPid)) await sleep(20);
}
