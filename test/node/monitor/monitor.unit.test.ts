import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import type { Capacity, MountEntry, ParsedMountTable } from '../../../src/common/mount.js';
import { tick } from './fake-prober.js';
import { entry, setup } from './monitor-fixtures.js';

test('a sweep probes every mount once and reports all of them', async () => {
  const { prober, monitor, log } = setup([entry(10, '/a'), entry(11, '/b'), entry(12, '/proc', 'proc', 'proc')]);
  const sweep = monitor.sweep();
  await tick();
  assert.deepEqual(prober.probes.map((p) => p.request.path), ['/a', '/b'], 'pseudo filesystems are not probed');
  prober.probes[0]!.answer({ state: 'ok' });
  prober.probes[1]!.answer({ state: 'error', errno: 'ENOTCONN', message: 'Transport endpoint is not connected' });
  const report = await sweep;
  assert.equal(report.checked, 2);
  assert.equal(report.dead, 1);
  assert.deepEqual(report.mounts.map((m) => [m.mountpoint, m.state, m.errno]), [['/a', 'ok', undefined], ['/b', 'error', 'ENOTCONN']]);
  assert.ok(log.calls.includes('failed /b ENOTCONN Transport endpoint is not connected'));
  assert.ok(log.calls.some((c) => c.startsWith('sweepFinished 2 ') && c.endsWith(' 1')));
});

test('a hung probe keeps its slot until its child exits: the mount is stuck, never probed twice', async () => {
  let clock = 0;
  const { prober, monitor, log } = setup([entry(10, '/hang'), entry(11, '/fine')], { now: () => clock });
  let sweep = monitor.sweep();
  await tick();
  prober.inFlightFor('/hang')[0]!.answer({ state: 'hung' });
  prober.inFlightFor('/fine')[0]!.answer({ state: 'ok' });
  prober.inFlightFor('/fine')[0]!.exit();
  let report = await sweep;
  assert.equal(report.mounts[0]!.state, 'hung');
  assert.ok(log.calls.includes('timedOut 1000 /hang 5'));

  for (let i = 0; i < 5; i++) {
    clock += 60_000;
    sweep = monitor.sweep();
    await tick();
    for (const p of prober.inFlightFor('/fine')) {
      p.answer({ state: 'ok' });
      p.exit();
    }
    report = await sweep;
    assert.equal(report.mounts[0]!.state, 'stuck');
    assert.equal(report.dead, 1);
  }
  assert.equal(prober.inFlightFor('/hang').length, 1, 'no pile-up of probes on the stuck mount');
  assert.equal(log.calls.filter((c) => c.startsWith('timedOut')).length, 1);
  assert.equal(log.calls.filter((c) => c.startsWith('stuck')).length, 1, 'stuck logged once, not every sweep');

  prober.inFlightFor('/hang')[0]!.exit();
  await tick();
  await tick();
  assert.ok(log.calls.some((c) => c.startsWith('released 1000 /hang')));
  sweep = monitor.sweep();
  await tick();
  assert.equal(prober.inFlightFor('/hang').length, 2, 'probed again once the stuck child exited');
  prober.inFlightFor('/hang')[1]!.answer({ state: 'ok' });
  for (const p of prober.inFlightFor('/fine')) p.answer({ state: 'ok' });
  report = await sweep;
  assert.equal(report.mounts[0]!.state, 'ok');
  assert.ok(log.calls.some((c) => c.startsWith('recovered /hang')));
});

test('a probe still running from an earlier sweep is joined, not duplicated', async () => {
  const { prober, monitor } = setup([entry(10, '/slow')]);
  const first = monitor.sweep();
  await tick();
  const recheck = await monitor.recheck('/slow');
  assert.deepEqual(recheck.started, ['/slow']);
  await tick();
  assert.equal(prober.probes.length, 1);
  prober.probes[0]!.answer({ state: 'ok' });
  await first;
});

test('recheck refuses a path that is not a mountpoint in the table, without probing', async () => {
  const { prober, monitor } = setup([entry(10, '/a')]);
  await assert.rejects(monitor.recheck('/etc/shadow'), (err: Error & { code?: string }) => err.code === 'not-a-mountpoint');
  await assert.rejects(monitor.recheck('/a/../a'), /not a mountpoint/);
  assert.equal(prober.probes.length, 0);
});

test('covered mounts are reported, not probed; only the top one is', async () => {
  const { prober, monitor } = setup([entry(10, '/m', 'tmpfs', 'lower', 1), entry(11, '/m', 'tmpfs', 'upper', 10)]);
  const sweep = monitor.sweep();
  await tick();
  assert.equal(prober.probes.length, 1);
  prober.probes[0]!.answer({ state: 'ok' });
  const report = await sweep;
  assert.deepEqual(report.mounts.map((m) => [m.source, m.state]), [['lower', 'covered'], ['upper', 'ok']]);
  assert.equal(report.checked, 2);
});

test('mounts that vanish are removed and subscribers told; events carry the previous state', async () => {
  const { prober, monitor, events, setTable } = setup([entry(10, '/a'), entry(11, '/b')]);
  let sweep = monitor.sweep();
  await tick();
  prober.probes.forEach((p) => {
    p.answer({ state: 'ok' });
    p.exit();
  });
  await sweep;
  setTable({ entries: [entry(10, '/a')], problems: [{ line: 2, text: 'garbage', reason: 'too few fields' }] });
  sweep = monitor.sweep();
  await tick();
  prober.probes.slice(2).forEach((p) => p.answer({ state: 'denied', message: 'mode 000 does not allow access' }));
  const report = await sweep;
  assert.equal(report.problems.length, 1);
  assert.ok(events.some((e) => e.type === 'removed' && e.mountpoint === '/b'));
  const last = events.filter((e) => e.type === 'mount').at(-1);
  assert.ok(last?.type === 'mount' && last.previous === 'ok' && last.mount.state === 'denied');
});

test('an unreadable mount table fails the sweep and is logged; the monitor keeps going', async () => {
  const { monitor, log, setTable } = setup([]);
  const m = monitor as unknown as { opts: { readMountTable: () => Promise<ParsedMountTable> } };
  m.opts.readMountTable = async () => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
  await assert.rejects(monitor.sweep(), /permission denied/);
  assert.ok(log.calls.some((c) => c.startsWith('tableUnreadable')));
  setTable({ entries: [], problems: [] });
});

test('no more than maxConcurrentProbes probes start at once', async () => {
  const entries = Array.from({ length: 10 }, (_, i) => entry(100 + i, `/m${i}`));
  const { prober, monitor } = setup(entries, { maxConcurrentProbes: 3 });
  const sweep = monitor.sweep();
  await tick();
  assert.equal(prober.probes.length, 3);
  while (prober.probes.some((p) => !(p as { done?: boolean }).done)) {
    const open = prober.probes.filter((p) => !(p as { done?: boolean }).done);
    for (const p of open) {
      p.answer({ state: 'ok' });
      (p as { done?: boolean }).done = true;
    }
    await tick();
    await tick();
    assert.ok(prober.probes.filter((p) => !(p as { done?: boolean }).done).length <= 3);
  }
  const report = await sweep;
  assert.equal(report.checked, 10);
  assert.equal(prober.probes.length, 10);
});

test('mounts of one server failing together are one server event, logged once until it recovers', async () => {
  const nfs = (id: number, path: string) => entry(id, path, 'nfs4', `nfs1:/export${path}`);
  const { prober, monitor, log } = setup([nfs(10, '/home'), nfs(11, '/data'), nfs(12, '/tools'), entry(13, '/tmp')]);
  const answerAll = async (state: 'ok' | 'hung') => {
    await tick();
    for (const p of prober.probes.filter((x) => !(x as { done?: boolean }).done)) {
      p.answer({ state: p.request.path === '/tmp' ? 'ok' : state });
      p.exit();
      (p as { done?: boolean }).done = true;
    }
  };
  for (const state of ['hung', 'hung', 'ok'] as const) {
    const sweep = monitor.sweep();
    await answerAll(state);
    const report = await sweep;
    assert.equal(report.mounts.find((m) => m.mountpoint === '/home')?.server, 'nfs1');
  }
  assert.deepEqual(log.calls.filter((c) => c.startsWith('server')), ['serverDown nfs1 3', 'serverUp nfs1']);
});

test('stop() during a sweep: cancelled probes are not logged as failures, no summary, no new probes', async () => {
  // SIGTERM while a sweep waits on a hung mount: the prober's close() fails the probes in flight with
  // ECANCELED. That is our shutdown, not the mounts' failure: admins must not get a "dead" line for it.
  const entries = [entry(10, '/a'), entry(11, '/b'), entry(12, '/c')];
  const { prober, monitor, log, events } = setup(entries, { maxConcurrentProbes: 1 });
  const sweep = monitor.sweep();
  await tick();
  assert.equal(prober.probes.length, 1);
  const eventsBefore = events.length;
  await monitor.stop();
  prober.probes[0]!.answer({ state: 'error', errno: 'ECANCELED', message: 'probe cancelled: prober closed', stage: 'fork' });
  prober.probes[0]!.exit();
  await sweep;
  await tick();
  assert.equal(prober.probes.length, 1, 'no probe started after stop()');
  assert.deepEqual(log.calls.filter((c) => /^(failed|sweepFinished|timedOut|denied|serverDown)/.test(c)), []);
  assert.equal(events.length, eventsBefore, 'subscribers are not told of cancelled probes');
  assert.deepEqual((await monitor.snapshot()).mounts, []);
});

test('a mount id the kernel reuses for another mount starts fresh: no inherited state, no false recovery', async () => {
  // Mount ids are allocated lowest-free (ida_alloc in fs/namespace.c): after an unmount the next mount
  // often gets the same id.
  const { prober, monitor, log, events, setTable } = setup([entry(10, '/a')]);
  let sweep = monitor.sweep();
  await tick();
  prober.probes[0]!.answer({ state: 'error', errno: 'EIO' });
  prober.probes[0]!.exit();
  await sweep;
  setTable({ entries: [{ ...entry(10, '/b'), device: '0:99' }], problems: [] });
  sweep = monitor.sweep();
  await tick();
  assert.equal(prober.probes[1]!.request.path, '/b');
  prober.probes[1]!.answer({ state: 'ok' });
  const report = await sweep;
  assert.equal(report.mounts[0]!.mountpoint, '/b');
  assert.ok(events.some((e) => e.type === 'removed' && e.mountpoint === '/a'), 'the old mount is reported removed');
  const last = events.filter((e) => e.type === 'mount').at(-1);
  assert.ok(last?.type === 'mount' && last.mount.mountpoint === '/b' && last.previous === null, 'the new mount has no previous state');
  assert.ok(!log.calls.some((c) => c.startsWith('recovered')), `no recovery of a mount that never failed: ${log.calls.join('; ')}`);
});

test('stuck belongs to the mount, not its path: a new mount on the path of a stuck one is probed', async () => {
  let clock = 0;
  const { prober, monitor, log, setTable } = setup([entry(10, '/nfs')], { now: () => clock });
  let sweep = monitor.sweep();
  await tick();
  prober.inFlightFor('/nfs')[0]!.answer({ state: 'hung' });
  await sweep;
  clock += 60_000;
  assert.equal((await monitor.sweep()).mounts[0]!.state, 'stuck');
  // The stuck mount detached (umount --lazy) and another mounted on the same path.
  setTable({ entries: [entry(20, '/nfs')], problems: [] });
  sweep = monitor.sweep();
  await tick();
  assert.equal(prober.inFlightFor('/nfs').length, 2, 'the new mount is probed');
  prober.inFlightFor('/nfs')[1]!.answer({ state: 'ok' });
  assert.deepEqual((await sweep).mounts.map((m) => [m.mountId, m.state]), [[20, 'ok']]);
  prober.inFlightFor('/nfs')[0]!.exit();
  await tick();
  await tick();
  assert.ok(log.calls.some((c) => c.startsWith('released 1000 /nfs')), log.calls.join('; '));
});

test('an answer for an unmounted mount is not stored under its id once the kernel reused the id', async () => {
  const { prober, monitor, setTable } = setup([entry(10, '/a')]);
  void monitor.sweep();
  await tick();
  setTable({ entries: [{ ...entry(10, '/b'), device: '0:99' }], problems: [] });
  await monitor.recheck('/b');
  await tick();
  prober.inFlightFor('/b')[0]!.answer({ state: 'ok' });
  await tick();
  prober.inFlightFor('/a')[0]!.answer({ state: 'error', errno: 'ENOENT' });
  await tick();
  await tick();
  const snap = await monitor.snapshot();
  assert.deepEqual(snap.mounts.map((m) => [m.mountpoint, m.state]), [['/b', 'ok']]);
});

test('a mount gone with its directory while probed (ENOENT, no longer in the table) is not reported failed; one still there is', async () => {
  const { prober, monitor, setTable, log } = setup([entry(10, '/tmp/autoX'), entry(11, '/kept')]);
  const sweep = monitor.sweep();
  await tick();
  setTable({ entries: [entry(11, '/kept')], problems: [] });
  prober.inFlightFor('/tmp/autoX')[0]!.answer({ state: 'error', errno: 'ENOENT' });
  prober.inFlightFor('/kept')[0]!.answer({ state: 'error', errno: 'ENOENT' });
  const report = await sweep;
  assert.equal(report.dead, 1, 'only the mount still in the table counts');
  assert.deepEqual((await monitor.snapshot()).mounts.map((m) => [m.mountpoint, m.state]), [['/kept', 'error']]);
  assert.ok(!log.calls.some((c) => c.includes('/tmp/autoX')), log.calls.join('; '));
});

test('the recovery line counts from when the mount stopped answering, not from when it became stuck', async () => {
  let clock = 0;
  const { prober, monitor, log } = setup([entry(10, '/hang')], { now: () => clock });
  let sweep = monitor.sweep();
  await tick();
  clock = 5_000;
  prober.probes[0]!.answer({ state: 'hung' });
  await sweep; // hung since 5 s
  clock = 60_000;
  await monitor.sweep(); // stuck since 60 s
  clock = 300_000;
  prober.probes[0]!.exit();
  await tick();
  await tick();
  sweep = monitor.sweep();
  await tick();
  prober.probes[1]!.answer({ state: 'ok' });
  await sweep;
  assert.ok(log.calls.includes('recovered /hang 295000'), log.calls.join('; '));
});

test('a probe hung across a SIGHUP reload is reported with the timeout it was given, not the new one', async () => {
  const { prober, monitor, log } = setup([entry(10, '/slow')]);
  const sweep = monitor.sweep();
  await tick();
  assert.equal(prober.probes[0]!.request.timeoutMs, 5000);
  monitor.reconfigure({ timeoutSeconds: 30 });
  prober.probes[0]!.answer({ state: 'hung' });
  const report = await sweep;
  assert.ok(log.calls.includes('timedOut 1000 /slow 5'), log.calls.join('; '));
  assert.equal(report.mounts[0]!.message, 'not responding: no answer within 5 s');
});

test('a kernel line naming the server by address reaches mounts whose source names it by host', async () => {
  const nfs: MountEntry = { ...entry(10, '/home', 'nfs4', 'fileserver:/export/home'), superOptions: ['rw', 'vers=4.2', 'addr=10.0.0.5'] };
  const { prober, monitor } = setup([nfs, entry(11, '/tmp')]);
  const sweep = monitor.sweep();
  await tick();
  prober.probes.forEach((p) => {
    p.answer({ state: 'ok' });
    p.exit();
  });
  await sweep;
  assert.deepEqual(monitor.serverSignal('10.0.0.5', 'not-responding', 'nfs: server 10.0.0.5 not responding, still trying'), ['/home']);
  await tick();
  assert.equal(prober.inFlightFor('/home').length, 2, 'probed at once');
  const home = (await monitor.snapshot()).mounts.find((m) => m.mountpoint === '/home');
  assert.equal(home?.suspect, 'kernel: nfs: server 10.0.0.5 not responding, still trying');
  assert.deepEqual(monitor.serverSignal('fileserver', 'ok', 'nfs: server fileserver OK'), ['/home']);
  assert.deepEqual(monitor.serverSignal('elsewhere', 'ok', 'nfs: server elsewhere OK'), []);
});

test('mounts are pushed to subscribers only when they change; unchanged ok answers come with the sweep, a recheck\'s at once', async () => {
  const { prober, monitor, events } = setup([entry(10, '/m', 'tmpfs', 'lower', 1), entry(11, '/m', 'tmpfs', 'upper', 10)]);
  const answerAll = (latencyMs: number, capacity?: Capacity) => {
    for (const p of prober.probes.filter((x) => !(x as { done?: boolean }).done)) {
      p.answer({ state: 'ok', latencyMs, ...(capacity ? { capacity } : {}) });
      p.exit();
      (p as { done?: boolean }).done = true;
    }
  };
  for (let i = 0; i < 3; i++) {
    const sweep = monitor.sweep();
    await tick();
    answerAll(i + 1);
    await sweep;
  }
  const covered = events.filter((e) => e.type === 'mount' && e.mount.source === 'lower');
  assert.equal(covered.length, 1, 'one event for the covered mount, not one per sweep');
  const probed = events.filter((e) => e.type === 'mount' && e.mount.source === 'upper');
  assert.equal(probed.length, 1, 'the probed mount: one event when it appeared, none for answers that changed nothing');
  const sweeps = events.flatMap((e) => (e.type === 'sweep' ? [e.probes?.map(([id, latencyMs]) => [id, latencyMs])] : []));
  assert.deepEqual(sweeps, [undefined, [[11, 2]], [[11, 3]]], "the later answers' latencies come with their sweep's event (the sparkline's points)");
  const stored = (await monitor.snapshot()).mounts.find((m) => m.mountId === 11)!;
  assert.equal(stored.latencyMs, 3, 'the snapshot has the latest answer');
  const checkedAt = events.at(-1)?.type === 'sweep' ? (events.at(-1) as { probes: [number, number, number][] }).probes[0]![2] : undefined;
  assert.equal(stored.checkedAt, checkedAt);
  // Updated in place: the next quiet answer changes the stored status, not a copy of it.
  const sweep = monitor.sweep();
  await tick();
  answerAll(5);
  await sweep;
  assert.equal((await monitor.snapshot()).mounts.find((m) => m.mountId === 11), stored, 'the same status object');
  assert.equal(stored.latencyMs, 5);
  // Anything else that changes is news: a new capacity is pushed.
  const capacity = { totalBytes: 10, freeBytes: 1, availBytes: 1, totalInodes: 10, freeInodes: 1 };
  const changed = monitor.sweep();
  await tick();
  answerAll(6, capacity);
  await changed;
  const pushed = events.filter((e) => e.type === 'mount' && e.mount.mountId === 11);
  assert.equal(pushed.length, 2, 'a changed capacity is pushed');
  // A mount rechecked on request: its answer is pushed at once, even unchanged.
  await monitor.recheck('/m');
  await tick();
  answerAll(4, capacity);
  await tick();
  const last = events.at(-1);
  assert.ok(last?.type === 'mount' && last.mount.mountId === 11 && last.mount.latencyMs === 4, `the recheck's answer pushed: ${JSON.stringify(last)}`);
  assert.equal(events.filter((e) => e.type === 'mount' && e.mount.mountId === 11).length, 3);
});

test('probes name the mount their path must lead to; a path that led elsewhere is recorded only while the table still has the mount there', async () => {
  const { prober, monitor, log, setTable } = setup([entry(10, '/swapped'), entry(11, '/gone')]);
  const sweep = monitor.sweep();
  await tick();
  assert.deepEqual(prober.probes.map((p) => p.request.mount), [{ id: 10, device: '0:1' }, { id: 11, device: '0:1' }]);
  // /gone was unmounted meanwhile (its directory is what the probe found); /swapped is still in the table.
  setTable({ entries: [entry(10, '/swapped')], problems: [] });
  const notTheMount = { state: 'error' as const, errno: 'ESTALE', stage: 'mount' as const, message: 'the path does not lead to the mount in the mount table' };
  prober.inFlightFor('/swapped')[0]!.answer(notTheMount);
  prober.inFlightFor('/gone')[0]!.answer(notTheMount);
  const report = await sweep;
  assert.deepEqual(report.mounts.map((m) => [m.mountpoint, m.state, m.message]), [
    ['/swapped', 'error', notTheMount.message],
    ['/gone', 'unknown', undefined],
  ]);
  assert.deepEqual(log.calls.filter((c) => c.startsWith('failed')), [`failed /swapped ESTALE ${notTheMount.message}`]);
});

test('ESTALE from the server says what happened and what to do, in the status and the log', async () => {
  const { prober, monitor, log } = setup([entry(10, '/home/ann')]);
  const sweep = monitor.sweep();
  await tick();
  prober.probes[0]!.answer({ state: 'error', errno: 'ESTALE', stage: 'stat' });
  const [mount] = (await sweep).mounts;
  assert.equal(mount!.errno, 'ESTALE');
  assert.match(mount!.message!, /^Stale file handle: the server did not vouch for this mount's files \(its export withdrawn or replaced, or a soft mount's server not answering in time\); remount if the export changed$/);
  assert.deepEqual(log.calls.filter((c) => c.startsWith('failed')), [`failed /home/ann ESTALE ${mount!.message}`]);
});

test('a mount whose probes answer far slower than its usual, three in a row, is degrading: once in the log, kept on its status, over when they are quick again', async () => {
  const disk = entry(30, '/srv/disk', 'fuse.sshfs', 'host:/');
  const { prober, monitor, log } = setup([disk]);
  const answerIn = async (latencyMs: number) => {
    const sweep = monitor.sweep();
    await tick();
    for (const p of prober.inFlightFor('/srv/disk')) {
      p.answer({ state: 'ok', latencyMs });
      p.exit();
    }
    return (await sweep).mounts[0]!;
  };
  for (const ms of [2, 3, 2, 2, 3, 2]) await answerIn(ms);
  const states = [];
  for (const ms of [700, 650, 720]) states.push(await answerIn(ms));
  assert.deepEqual(states.map((s) => s.state), ['ok', 'ok', 'ok'], 'a condition beside the state');
  assert.equal(states[1]!.degrading, undefined);
  assert.match(states[2]!.degrading?.reason ?? '', /^probes answered in 720 ms, usually 2\.\d ms$/);
  const between = await monitor.snapshot();
  assert.equal(between.mounts[0]!.degrading?.reason, states[2]!.degrading?.reason, 'kept between probes');
  for (const ms of [3, 2, 2]) await answerIn(ms);
  assert.equal((await monitor.snapshot()).mounts[0]!.degrading, undefined);
  assert.deepEqual(log.calls.filter((c) => c.startsWith('degrading')).map((c) => c.replace(/\d+$/, 'N').replace(/usually [\d.]+ ms/, 'usually U')), ['degrading /srv/disk host probes answered in 720 ms, usually U', 'degradingOver /srv/disk N']);
  await monitor.stop();
});

test('an unchecked answer (the prober died under the probe, twice) changes nothing and logs nothing against the mount', async () => {
  const { prober, monitor, log } = setup([entry(10, '/was-ok'), entry(11, '/was-dead'), entry(12, '/never')]);
  let sweep = monitor.sweep();
  await tick();
  prober.inFlightFor('/was-ok')[0]!.answer({ state: 'ok' });
  prober.inFlightFor('/was-dead')[0]!.answer({ state: 'error', errno: 'ENOTCONN', message: 'Transport endpoint is not connected' });
  prober.inFlightFor('/never')[0]!.answer({ state: 'unchecked' });
  for (const p of prober.probes) p.exit();
  let report = await sweep;
  assert.deepEqual(report.mounts.map((m) => [m.mountpoint, m.state]), [['/was-ok', 'ok'], ['/was-dead', 'error'], ['/never', 'unknown']]);
  const before = log.calls.length;
  sweep = monitor.sweep();
  await tick();
  for (const p of prober.probes.slice(3)) p.answer({ state: 'unchecked' });
  for (const p of prober.probes.slice(3)) p.exit();
  report = await sweep;
  assert.equal(prober.probes.length, 6, 'every mount was asked again');
  assert.deepEqual(report.mounts.map((m) => [m.mountpoint, m.state]), [['/was-ok', 'ok'], ['/was-dead', 'error'], ['/never', 'unknown']]);
  assert.deepEqual(log.calls.slice(before).filter((c) => !c.startsWith('sweep')), [], 'no line about a mount: neither dead nor recovered');
});
