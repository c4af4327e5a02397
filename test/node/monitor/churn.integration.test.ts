// Mounts appearing and vanishing while sweeps run: every sweep finishes, nothing throws, vanished mounts
// are removed (and subscribers told), and once the churn stops the view matches the mount table exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { createMonitor } from '../../../src/node/create-monitor.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { mountTmpfs, tempRoot } from '../../helper/cli/fs-fixtures.js';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);

test('mounts appearing and vanishing during sweeps', { skip, timeout: 60_000 }, async () => {
  const root = tempRoot('msm-churn-');
  const stable = Array.from({ length: 5 }, (_, i) => join(root, `stable${i}`));
  for (const p of stable) mountTmpfs(p);
  const churning = Array.from({ length: 20 }, (_, i) => join(root, `churn${i}`));
  for (const p of churning) mkdirSync(p);
  // Another process mounts and unmounts the churning paths as fast as it can for 4 s.
  const script = `end=$(($(date +%s)+4)); while [ $(date +%s) -lt $end ]; do for d in ${churning.map((p) => `'${p}'`).join(' ')}; do mount -t tmpfs -o size=64k tmpfs "$d"; done; for d in ${churning
    .map((p) => `'${p}'`)
    .join(' ')}; do umount "$d"; done; done`;
  const churn = spawn('sh', ['-c', script], { stdio: 'ignore' });
  const churnDone = new Promise<number | null>((r) => churn.once('exit', r));

  const monitor = createMonitor({ ...DEFAULT_SETTINGS, timeoutSeconds: 5, include: [`${root}/*`] }, 'system');
  const events: MonitorEvent[] = [];
  monitor.onChange((e) => events.push(e));
  let sweeps = 0;
  let running = true;
  void churnDone.then(() => (running = false));
  try {
    while (running) {
      const report = await monitor.sweep();
      sweeps++;
      for (const m of report.mounts) {
        assert.ok(m.mountpoint.startsWith(root), m.mountpoint);
        // A mount that vanished mid-probe leaves its directory, which is not the mount the table named:
        // its answer is not recorded (the last status stands, 'unknown' if there was none). The churner's
        // umount can fail (EBUSY) while a probe is inside, so a later mount may stack on top.
        const churned = m.state === 'unknown' && churning.includes(m.mountpoint);
        assert.ok(m.state === 'ok' || m.state === 'covered' || churned, `${m.mountpoint}: ${m.state} ${m.errno ?? ''} ${m.message ?? ''}`);
      }
      for (const p of stable) assert.ok(report.mounts.some((m) => m.mountpoint === p), `stable mount ${p} missing`);
    }
    assert.equal(await churnDone, 0);
    const final = await monitor.sweep();
    const table = parseMountinfo(readFileSync('/proc/self/mountinfo')).entries;
    const expected = table.filter((e) => e.mountpoint.startsWith(`${root}/`)).map((e) => e.mountpoint).sort();
    assert.deepEqual(final.mounts.map((m) => m.mountpoint).sort(), expected);
    // A child's reap can be reported a moment after its answer: allow it that moment.
    for (let i = 0; i < 100 && monitor.probesInFlight > 0; i++) await sleep(20);
    assert.equal(monitor.probesInFlight, 0, 'every probe child reaped');
    const removed = events.filter((e) => e.type === 'removed').length;
    console.log(`# ${sweeps} sweeps during 4 s of churn; ${removed} removals pushed`);
    assert.ok(sweeps >= 3, `only ${sweeps} sweeps`);
    assert.ok(removed > 0, 'vanished mounts were removed and subscribers told');
  } finally {
    churn.kill('SIGKILL');
    await monitor.stop();
  }
});
