// What the per-sweep /proc scans cost with a few hundred processes (printed; only a generous
// "did not hang" bound is asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { scanUsage } from '../../../src/node/automount/usage.js';
import { livePgrps } from '../../../src/node/automount/daemon-alive.js';
import { skipOrFail } from '../../support/namespace.js';
import { setTimeout as sleep } from 'node:timers/promises';

const skip = skipOrFail(process.getuid?.() === 0 ? undefined : 'needs root (reads every process\'s /proc/PID/fd)');

async function timeIt<T>(fn: () => Promise<T> | T, runs: number): Promise<{ ms: number; last: T }> {
  let last!: T;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) last = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 / runs, last };
}

test('usage and daemon scans over a few hundred processes', { skip, timeout: 120_000 }, async () => {
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < 300; i++) children.push(spawn('sleep', ['120'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    await sleep(500);
    const entries = parseMountinfo(readFileSync('/proc/self/mountinfo')).entries;
    const root = entries.find((e) => e.mountpoint === '/')!;
    const procMount = entries.find((e) => e.mountpoint === '/proc')!;
    const runs = 10;
    // Typical: few automounts, nobody in them: one readlink per fd, no fdinfo read.
    const typical = await timeIt(() => scanUsage({ entries, of: [procMount.mountId], mapped: false }), runs);
    const typicalMaps = await timeIt(() => scanUsage({ entries, of: [procMount.mountId] }), runs);
    // Worst case: every path is "interesting", so every fd's fdinfo is read too, and maps are grepped for "/".
    const worst = await timeIt(() => scanUsage({ entries, of: [root.mountId] }), runs);
    const pg = await timeIt(() => livePgrps(), runs);
    const t = typicalMaps.last;
    console.log(
      `# usage scan, ${t.processes} processes, ${t.fds} fds: ${typical.ms.toFixed(1)} ms without maps, ` +
        `${typicalMaps.ms.toFixed(1)} ms with maps (grep); worst case (every fd's fdinfo read: ${worst.last.fdinfoReads}, ` +
        `${worst.last.mapped} mapped paths): ${worst.ms.toFixed(1)} ms; livePgrps: ${pg.ms.toFixed(1)} ms (${pg.last.size} groups)`,
    );
    assert.ok(t.processes >= 300);
    assert.ok(worst.ms < 10_000, 'a scan took more than 10 s');
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});
