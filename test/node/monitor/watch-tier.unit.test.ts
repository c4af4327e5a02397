// The home watch in the monitor: the slow state (one log line per episode), the watch tier (the mounts
// holding watched directories, and watch patterns, probed every watch-interval without planning again
// while the table is unchanged), and blocked processes on mounts that stop answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockedProcess, MountEntry } from '../../../src/common/mount.js';
import { FakeProber, tick } from './fake-prober.js';
import { entry, setup } from './monitor-fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';


async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('a probe unanswered after slow-after makes its mount slow at once; the late answer makes it ok with its latency', async () => {
  const { prober, monitor, log, events } = setup([entry(10, '/nfs', 'nfs4', 'nfs1:/export')], { slowAfterSeconds: 0.05 });
  const sweep = monitor.sweep();
  await until(() => events.some((e) => e.type === 'mount' && e.mount.state === 'slow'), 2000, 'slow');
  const slow = (await monitor.snapshot()).mounts[0]!;
  assert.equal(slow.state, 'slow');
  assert.equal(slow.server, 'nfs1');
  assert.deepEqual(log.calls.filter((c) => c.startsWith('slow')), ['slow /nfs 0.05 nfs1']);
  prober.probes[0]!.answer({ state: 'ok', latencyMs: 80 });
  const report = await sweep;
  assert.equal(report.mounts[0]!.state, 'ok');
  assert.equal(report.mounts[0]!.latencyMs, 80);
  assert.ok(!log.calls.some((c) => c.startsWith('recovered')), 'a slow answer is no outage to recover from');
});

test('a mount flapping between slow and ok is one episode: one slow line, a state push each time', async () => {
  const { prober, monitor, log, events } = setup([entry(10, '/nfs')], { slowAfterSeconds: 0.03 });
  for (let i = 0; i < 4; i++) {
    const sweep = monitor.sweep();
    await until(() => events.filter((e) => e.type === 'mount' && e.mount.state === 'slow').length === i + 1, 2000, `slow #${i + 1}`);
    const p = prober.probes[i]!;
    p.answer({ state: 'ok' });
    p.exit();
    await sweep;
  }
  assert.equal(log.calls.filter((c) => c.startsWith('slow')).length, 1);
  assert.equal(events.filter((e) => e.type === 'mount' && e.mount.state === 'ok' && e.previous === 'slow').length, 4);
});

test('slow, then hung at the timeout: the seed lines follow, the outage counts from when it went slow', async () => {
  const { prober, monitor, log } = setup([entry(10, '/dead')], { slowAfterSeconds: 0.02, timeoutSeconds: 5 });
  const sweep = monitor.sweep();
  await until(() => log.calls.some((c) => c.startsWith('slow')), 2000, 'slow');
  await sleep(60);
  prober.probes[0]!.answer({ state: 'hung' });
  assert.equal((await sweep).mounts[0]!.state, 'hung');
  prober.probes[0]!.exit();
  await tick();
  await tick();
  const again = monitor.sweep();
  await tick();
  prober.probes[1]!.answer({ state: 'ok' });
  await again;
  const recovered = log.calls.find((c) => c.startsWith('recovered /dead'));
  assert.ok(recovered, log.calls.join('\n'));
  assert.ok(Number(recovered.split(' ')[2]) >= 60, `outage measured from the slow moment: ${recovered}`);
});

test('the mount holding a watched directory is probed every watch-interval, others only in sweeps', async () => {
  const table: MountEntry[] = [entry(1, '/'), entry(10, '/home'), entry(11, '/srv')];
  const { prober, monitor, events } = setup(table, { watchIntervalSeconds: 0.05, intervalSeconds: 3600 });
  monitor.start();
  try {
    // The first sweep: answer everything.
    await until(() => prober.probes.length === 3, 2000, 'first sweep');
    for (const p of prober.probes) (p.answer({ state: 'ok' }), p.exit());
    monitor.watchDirectories('clients', ['/home/alice']);
    await until(() => prober.inFlightFor('/home').length >= 2, 2000, 'a watch probe of /home');
    for (let i = 0; i < 3; i++) {
      const p = prober.inFlightFor('/home').at(-1)!;
      p.answer({ state: 'ok' });
      p.exit();
      await until(() => prober.inFlightFor('/home').length >= 3 + i, 2000, `watch probe #${i + 2}`);
    }
    assert.equal(prober.inFlightFor('/srv').length, 1, 'unwatched mounts wait for the sweep');
    assert.equal(prober.inFlightFor('/').length, 1);
    const home = events.filter((e) => e.type === 'mount' && e.mount.mountpoint === '/home').at(-1);
    assert.equal(home?.type === 'mount' && home.mount.watched, 'home');
    monitor.watchDirectories('clients', []);
    assert.equal((await monitor.snapshot()).mounts.find((m) => m.mountpoint === '/home')?.watched, undefined, 'the status says so at once');
    for (const p of prober.inFlightFor('/home')) (p.answer({ state: 'ok' }), p.exit());
    const before = prober.inFlightFor('/home').length;
    await sleep(200);
    assert.equal(prober.inFlightFor('/home').length, before, 'no longer watched');
  } finally {
    await monitor.stop();
  }
});

test('watch patterns put matching mounts in the watch tier; an unchanged table is not planned again', async () => {
  let plans = 0;
  const { prober, monitor } = setup([entry(1, '/'), entry(10, '/mnt/sshfs', 'fuse.sshfs', 'me@host:/')], {
    watchIntervalSeconds: 0.03,
    intervalSeconds: 3600,
    watch: ['fstype:fuse.sshfs'],
    refinePlan: (p) => (plans++, p),
  });
  monitor.start();
  try {
    await until(() => prober.probes.length === 2, 2000, 'first sweep');
    for (const p of prober.probes) (p.answer({ state: 'ok' }), p.exit());
    for (let n = 2; n <= 6; n++) {
      await until(() => prober.inFlightFor('/mnt/sshfs').length >= n, 2000, `watch probe #${n}`);
      const p = prober.inFlightFor('/mnt/sshfs').at(-1)!;
      p.answer({ state: 'ok' });
      p.exit();
    }
    assert.equal(plans, 1, 'ticks reuse the plan of the unchanged table');
    assert.equal(prober.inFlightFor('/').length, 1);
  } finally {
    await monitor.stop();
  }
});

test('a mount that becomes slow is searched for blocked processes; the line is logged once per episode', async () => {
  const scans: number[][] = [];
  const firefox: BlockedProcess = { pid: 1234, comm: 'firefox', uid: 1000 };
  const { prober, monitor, log, events } = setup([entry(1, '/'), entry(10, '/home', 'nfs4', 'nfs1:/home')], {
    slowAfterSeconds: 0.02,
    scanBlocked: async (_entries, targets) => {
      scans.push([...targets]);
      return { byMount: new Map([[10, [firefox]]]), unexamined: 0 };
    },
  });
  const sweep = monitor.sweep();
  await tick();
  prober.inFlightFor('/')[0]!.answer({ state: 'ok' });
  await until(() => events.some((e) => e.type === 'mount' && e.mount.blocked?.count === 1), 3000, 'blocked processes');
  assert.deepEqual(scans[0], [10], 'only the mount not answering is searched');
  const home = (await monitor.snapshot()).mounts.find((m) => m.mountpoint === '/home')!;
  assert.equal(home.state, 'slow');
  assert.deepEqual(home.blocked, { count: 1, processes: [firefox] });
  assert.deepEqual(log.calls.filter((c) => c.startsWith('blocked')), [`blocked /home nfs1 ${JSON.stringify({ count: 1, processes: [firefox] })}`]);
  prober.inFlightFor('/home')[0]!.answer({ state: 'ok' });
  const report = await sweep;
  assert.equal(report.mounts.find((m) => m.mountpoint === '/home')!.blocked, undefined, 'an answering mount has no blocked list');
});

test('with the prober\'s change notices, ticks read the table only after a change; a home mounted later is watched at once', async () => {
  const prober = new FakeProber({ tableNotices: true });
  let reads = 0;
  let table: MountEntry[] = [entry(1, '/')];
  const { monitor } = setup([], { prober, watchIntervalSeconds: 0.03, intervalSeconds: 3600, readMountTable: async () => (reads++, { entries: table, problems: [] }) });
  monitor.start();
  try {
    await until(() => prober.probes.length === 1, 2000, 'first sweep');
    for (const p of prober.probes) (p.answer({ state: 'ok' }), p.exit());
    monitor.watchDirectories('sessions', ['/home/alice']);
    await sleep(200);
    const quiet = reads;
    await sleep(200);
    assert.equal(reads, quiet, 'no change notice: no read of the table per tick');
    // alice's home is mounted (say, by the automounter): the C server would say so.
    table = [entry(1, '/'), entry(20, '/home/alice', 'nfs4', 'nfs1:/home/alice')];
    prober.tableChanged();
    await until(() => prober.inFlightFor('/home/alice').length >= 1, 2000, 'the new home probed by the watch tier');
    assert.equal(reads, quiet + 1, 'read once after the notice');
  } finally {
    await monitor.stop();
  }
});
