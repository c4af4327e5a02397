// The whole monitor (real prober, real mount table, the plan refiners) against Debian's real automount
// daemon, with an interval shorter than the map's idle timeout: idle automounts still expire, busy ones
// are probed, trigger entries and unmounted keys are never touched, a dead daemon is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { kernelLacks, privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { autofsUnavailable, startAutomount, waitFor } from '../../support/automount.js';
import { scaled } from '../../support/slowdown.js';
import { createMonitor } from '../../../src/node/create-monitor.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import type { MountStatus } from '../../../src/common/mount.js';
import type { AutomountDaemonChange, MonitorLog } from '../../../src/node/monitor/monitor-log.js';
import { silentMonitorLog } from '../../../src/node/monitor/monitor-log.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason) || kernelLacks(autofsUnavailable());

test('monitor + real automount: idle expires, busy is probed, triggers never fire, dead daemon reported', { skip, timeout: scaled(90_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  const daemonChanges: AutomountDaemonChange[] = [];
  const log: MonitorLog = { ...silentMonitorLog, automountDaemon: (c) => void daemonChanges.push(c) };
  const monitor = createMonitor({ ...DEFAULT_SETTINGS, intervalSeconds: 1, timeoutSeconds: 2, include: [`${am.mnt}`, `${am.mnt}/**`] }, 'system', log);
  const children: ChildProcess[] = [];
  try {
    await am.trigger('a');
    await am.trigger('b');
    children.push(am.spawnInside('exec sleep 60', join(am.mnt, 'b')));
    await sleep(300);
    const t0 = Date.now();
    let sweeps = 0;
    let aExpiredMs: number | undefined;
    let sawAIdle = false;
    let sawBProbed = false;
    while (Date.now() - t0 < 25_000) {
      const report = await monitor.sweep();
      sweeps++;
      const by = new Map(report.mounts.map((m) => [m.mountpoint, m] as [string, MountStatus]));
      const trigger = by.get(am.mnt);
      assert.equal(trigger?.automount?.role, 'trigger');
      assert.equal(trigger?.state, 'idle');
      assert.match(trigger?.message ?? '', /autofs trigger \(map .*auto\.test, indirect\): never probed/);
      const a = by.get(join(am.mnt, 'a'));
      if (a) {
        assert.equal(a.state, 'idle', JSON.stringify(a));
        assert.equal(a.automount?.busy, false);
        assert.equal(a.message, 'automounted, idle: left alone so it can expire (timeout 3 s)');
        sawAIdle = true;
      } else if (aExpiredMs === undefined && am.mountOf('a') === undefined) {
        aExpiredMs = Date.now() - t0;
      }
      const b = by.get(join(am.mnt, 'b'));
      assert.equal(b?.state, 'ok', `a busy automount is probed: ${JSON.stringify(b)}`);
      assert.equal(b?.automount?.busy, true);
      if (b?.latencyMs !== undefined) sawBProbed = true;
      assert.equal(am.mountOf('c'), undefined, 'the monitor never triggers an unmounted map key');
      if (aExpiredMs !== undefined && sweeps >= 4) break;
      await sleep(1000);
    }
    console.log(`# idle automount expired after ${aExpiredMs} ms under ${sweeps} monitor sweeps (interval 1 s, map timeout 3 s)`);
    assert.ok(sawAIdle, 'a was reported idle while mounted');
    assert.ok(aExpiredMs !== undefined, `the idle automount did not expire: ${am.log()}`);
    assert.ok(sawBProbed, 'the busy automount was probed');
    assert.ok(am.mountOf('b'), 'the busy automount stays mounted');

    // The automount daemon dies: the trigger entry is reported (dead), without touching the path.
    process.kill(am.pid, 'SIGKILL');
    await waitFor('automount daemon gone', () => !am.alive());
    const report = await monitor.sweep();
    const trigger = report.mounts.find((m) => m.mountpoint === am.mnt);
    assert.equal(trigger?.state, 'error');
    assert.equal(trigger?.automount?.daemonAlive, false);
    assert.match(trigger?.message ?? '', /automount daemon \(pgrp [0-9]+\) is gone/);
    assert.ok(report.dead >= 1);
    assert.deepEqual(
      daemonChanges.map((c) => [c.mountpoint, c.pgrp, c.alive]),
      [[am.mnt, am.pid, false]],
      'the dead daemon is told to the log once, with its autofs mount and process group',
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await monitor.stop();
    await am.stop();
  }
});
