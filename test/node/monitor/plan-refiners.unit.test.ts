import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPlanRefiner } from '../../../src/node/monitor/plan-refiners.js';
import { planSweep } from '../../../src/node/monitor/sweep-plan.js';
import { silentMonitorLog } from '../../../src/node/monitor/monitor-log.js';
import { parseMountstats } from '../../../src/common/mountstats.js';
import type { MountEntry } from '../../../src/common/mount.js';

const entry = (mountId: number, mountpoint: string, fstype: string, source: string): MountEntry => ({
  mountId,
  parentId: 1,
  device: '0:50',
  root: '/',
  mountpoint,
  mountOptions: ['rw'],
  optionalFields: [],
  fstype,
  source,
  superOptions: ['rw'],
});

test("NFS mounts carry their RPC counters from /proc/self/mountstats, matched by mountpoint", async () => {
  const text = readFileSync(new URL('../../../../test/fixtures/mountstats/nfs3-and-4.2.txt', import.meta.url), 'utf8');
  const refine = createPlanRefiner(() => silentMonitorLog, () => [], async () => parseMountstats(text));
  const plan = planSweep(
    { entries: [entry(10, '/home/alice smith', 'nfs', 'nfs1:/export/home'), entry(11, '/mnt/proj\ttab\\back', 'nfs4', 'fileserver:/srv/projects'), entry(12, '/data', 'ext4', '/dev/vdb')], problems: [] },
    { include: [], exclude: [] },
  );
  const out = await refine(plan);
  const [home, proj, local] = out.items;
  assert.equal(home!.annotations.server, 'nfs1');
  assert.ok(home!.annotations.nfs, 'the v3 mount has counters');
  assert.ok(proj!.annotations.nfs, 'the v4.2 mount with escaped tab and backslash has counters');
  for (const n of [home!.annotations.nfs!, proj!.annotations.nfs!]) {
    for (const k of ['ops', 'retransmissions', 'majorTimeouts', 'avgBacklog'] as const) assert.equal(typeof n[k], 'number', k);
    assert.ok(n.ops > 0);
  }
  assert.equal(local!.annotations.nfs, undefined);
  const totals = parseMountstats(text).mounts.find((m) => m.mountpoint === '/home/alice smith')!.rpc!.totals;
  assert.deepEqual(home!.annotations.nfs, { ops: totals.ops, retransmissions: totals.retransmissions, majorTimeouts: totals.majorTimeouts, avgBacklog: totals.avgBacklog });
});
