// The prober starved of CPU (as under a load average of 30 on 2 cores): its answers come late, pings
// included, but it is alive and its mounts are fine. The watchdog must not kill it, and no mount may be
// reported dead. The prober (and every worker it forks) runs in a CPU cgroup capped at 0.5 % of a core
// with a 1 s period: after its 5 ms it waits up to 995 ms to run again, far beyond the watchdog's grace.
import assert from 'node:assert/strict';
import { spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Monitor } from '../../../src/node/monitor/monitor.js';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { NativeProber, type ProberLost } from '../../../src/node/probe/native-prober.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { starvedCgroup } from '../../support/cpu-cgroup.js';
import { makeTempRoot, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { mountLines } from './mount-lines.js';

const ns = privateMountNamespace(import.meta.url);
const cleanups = cleanupsAfter();
const cgroup = ns.canMount ? starvedCgroup('prober', 5, cleanups) : (ns.reason ?? 'cannot mount');
const skip = skipOrFail(typeof cgroup === 'string' ? cgroup : undefined);

describe('the prober starved of CPU', { skip }, () => {
  const MOUNTS = 60;
  const GRACE_MS = 300;
  let root: TempRoot;
  before(() => {
    root = makeTempRoot('msm-prober-starved-');
    for (let i = 0; i < MOUNTS; i++) mountTmpfs(root.join(`m${i}`));
  });
  after(() => root.cleanup());

  test('is not killed for its slow pings: every healthy mount answers ok, nothing is logged against one', { timeout: 120_000 }, async () => {
    if (typeof cgroup !== 'object') return;
    // sh enters the cgroup, then execs the prober: it never runs a moment outside.
    const intoCgroup = ((command: string, args: readonly string[], options: SpawnOptions) =>
      spawn('sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, command, ...args], options)) as typeof spawn;
    const events: ProberLost[] = [];
    const prober = new NativeProber({ watchdogGraceMs: GRACE_MS, spawn: intoCgroup, onProberLost: (e) => events.push(e) });
    const { log, lines } = mountLines();
    // The probes' own deadline far off: the point is the watchdog, not a probe starved past its timeout.
    const monitor = new Monitor({ intervalSeconds: 60, timeoutSeconds: 60, slowAfterSeconds: 60, include: [`${root.path}/*`], exclude: [], mode: 'system', prober, log, readMountTable });
    try {
      for (let sweep = 1; sweep <= 3; sweep++) {
        const started = performance.now();
        const report = await monitor.sweep();
        const ms = Math.round(performance.now() - started);
        console.log(`# sweep ${sweep}: ${report.checked} mounts in ${ms} ms at 0.5 % of a core (watchdog grace ${GRACE_MS} ms), prober ${prober.proberPid}`);
        assert.deepEqual(events, [], 'the starved prober was taken for a wedged one');
        const notOk = report.mounts.filter((m) => m.state !== 'ok');
        assert.deepEqual(notOk.slice(0, 3).map((m) => `${m.mountpoint}: ${m.state} ${m.message}`), [], `${notOk.length} mounts not ok`);
        assert.equal(report.checked, MOUNTS);
        assert.deepEqual(lines, [], 'a mount was logged as failing or recovering');
      }
      // Else the starving did not starve, and nothing was shown.
      const throttled = Number(/^nr_throttled (\d+)$/m.exec(readFileSync(cgroup.stat, 'utf8'))?.[1]);
      console.log(`# the prober and its workers were held back by the quota in ${throttled} periods of 1 s`);
      assert.ok(throttled > 0, 'the quota never held the prober back');
    } finally {
      await monitor.stop();
    }
  });
});
