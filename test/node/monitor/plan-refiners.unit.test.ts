import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlanRefiner } from '../../../src/node/monitor/plan-refiners.js';
import { planSweep } from '../../../src/node/monitor/sweep-plan.js';
import { silentMonitorLog } from '../../../src/node/monitor/monitor-log.js';
import type { MountEntry } from '../../../src/common/mount.js';
import { setTimeout as sleep } from 'node:timers/promises';

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
    const refine = createPlanRefiner(() => log, () => [], sysfs);
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
    for (let i = 0; i < 100 && said.length === 0; i++) await sleep(20);
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
