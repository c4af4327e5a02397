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

test('an NFS mount whose shutdown flag reads 1 is skipped as disconnected; its server answering again is said once', async () => {
  // How the monitor reacts to what the kernel's knob says; a directory stands in for /sys/fs/nfs here.
  // The knob itself (written, read back, programs freed) is tested in the NFS lab: disconnect.lab.test.ts.
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { createServer } = await import('node:net');
  const { tmpdir } = await import('node:os');
  const sysfs = mkdtempSync(`${tmpdir()}/msm-nfs-sysfs-`);
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const said: string[] = [];
    const log = { ...silentMonitorLog, disconnectedServerBack: (mp: string, srv: string) => void said.push(`${mp} ${srv}`) };
    const refine = createPlanRefiner(() => log, () => [], async () => parseMountstats(''), sysfs);
    const dead = { ...entry(20, '/home', 'nfs4', 'nfs1:/export/home'), device: '0:52', superOptions: ['rw', 'addr=127.0.0.1', `port=${port}`] };
    const live = { ...entry(21, '/data', 'nfs4', 'nfs1:/export/data'), device: '0:53' };
    for (const [dev, flag] of [['0:52', '1'], ['0:53', '0']] as const) {
      mkdirSync(`${sysfs}/${dev}`);
      writeFileSync(`${sysfs}/${dev}/shutdown`, `${flag}\n`);
    }
    const plan = planSweep({ entries: [dead, live], problems: [] }, { include: [], exclude: [] });
    const first = await refine(plan);
    assert.equal(first.items[0]!.skip?.state, 'disconnected');
    assert.match(first.items[0]!.skip!.message, /^disconnected from its server \(.*\/0:52\/shutdown\)/, 'the server is tried in the background');
    assert.equal(first.items[1]!.skip, undefined, 'a mount not shut down is probed');
    for (let i = 0; i < 100 && said.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(said, ['/home nfs1'], 'its return is said');
    const next = await refine(plan);
    assert.match(next.items[0]!.skip!.message, /its server answers again, but this mount stays disconnected \(.*\/0:52\/shutdown has no undo\): unmount it and mount it again/);
    await refine(plan);
    assert.deepEqual(said, ['/home nfs1'], 'once, not every sweep');
  } finally {
    server.close();
    rmSync(sysfs, { recursive: true, force: true });
  }
});
