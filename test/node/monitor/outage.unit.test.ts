// One outage, said once: what a real NFS client showed the monitor (a killed probe that takes a moment
// to die, a timeout on every probe of a hard mount, EIO on every probe of a soft one, a kernel line per
// timed-out request), pinned down with a fake prober and an injected clock. The same behaviour over real
// FUSE mounts and processes: test/helper/cli/outage-once.integration.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountEntry } from '../../../src/common/mount.js';
import { tick } from './fake-prober.js';
import { entry, setup } from './monitor-fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';


test('a killed probe that exits within the grace is never reported stuck; one still there after it is', async () => {
  let clock = 0;
  const { prober, monitor, log, events } = setup([entry(10, '/nfs')], { now: () => clock });
  let sweep = monitor.sweep();
  await tick();
  prober.probes[0]!.answer({ state: 'hung' });
  assert.equal((await sweep).mounts[0]!.state, 'hung');
  clock = 1000; // a second after SIGKILL, still in a killable NFS wait
  sweep = monitor.sweep();
  await tick();
  assert.equal((await sweep).mounts[0]!.state, 'hung', 'hung, not stuck, while it may still be dying');
  assert.equal(prober.probes.length, 1, 'and not probed again meanwhile');
  prober.probes[0]!.exit();
  await tick();
  await tick();
  assert.deepEqual(log.calls.filter((c) => /^(stuck|released)/.test(c)), []);
  assert.ok(!events.some((e) => e.type === 'mount' && e.mount.state === 'stuck'));

  sweep = monitor.sweep();
  await tick();
  prober.probes[1]!.answer({ state: 'hung' });
  await sweep;
  clock += 5000; // the grace is over and the child is still there
  sweep = monitor.sweep();
  await tick();
  assert.equal((await sweep).mounts[0]!.state, 'stuck');
  assert.ok(log.calls.includes('stuck 1001 /nfs 5000'), log.calls.join('; '));
});

test('a hard mount timing out probe after probe: the timeout lines once per outage, hung throughout, again after a recovery', async () => {
  const { prober, monitor, log, events } = setup([entry(10, '/nfs', 'nfs4', 'nfs1:/export')], { slowAfterSeconds: 0.02 });
  for (let i = 0; i < 4; i++) {
    const sweep = monitor.sweep();
    await sleep(60); // past slow-after: a first probe makes it slow, the next ones must not
    prober.probes[i]!.answer({ state: 'hung' });
    prober.probes[i]!.exit();
    assert.equal((await sweep).mounts[0]!.state, 'hung');
    await tick();
  }
  assert.equal(log.calls.filter((c) => c.startsWith('timedOut')).length, 1, log.calls.join('; '));
  const states = events.flatMap((e) => (e.type === 'mount' ? [e.mount.state] : []));
  assert.deepEqual(states, ['slow', 'hung', 'hung', 'hung', 'hung'], 'no flapping back to slow while hung');
  let sweep = monitor.sweep();
  await tick();
  prober.probes[4]!.answer({ state: 'ok' });
  prober.probes[4]!.exit();
  await sweep;
  assert.equal(log.calls.filter((c) => c.startsWith('recovered')).length, 1);
  sweep = monitor.sweep();
  await tick();
  prober.probes[5]!.answer({ state: 'hung' });
  await sweep;
  assert.equal(log.calls.filter((c) => c.startsWith('timedOut')).length, 2, 'a new outage is news again');
});

test('a soft mount failing each probe with EIO after a while stays in error: one line, no slow in between', async () => {
  const { prober, monitor, log, events } = setup([entry(10, '/soft', 'nfs', 'nfs1:/export')], { slowAfterSeconds: 0.02 });
  for (let i = 0; i < 5; i++) {
    const sweep = monitor.sweep();
    await sleep(50);
    prober.probes[i]!.answer({ state: 'error', errno: 'EIO', message: 'Input/output error', stage: 'statfs' });
    prober.probes[i]!.exit();
    await sweep;
  }
  // A timeout in between (the soft mount's own retries outlasted ours) is the same outage.
  let sweep = monitor.sweep();
  await tick();
  prober.probes[5]!.answer({ state: 'hung' });
  prober.probes[5]!.exit();
  await sweep;
  sweep = monitor.sweep();
  await tick();
  prober.probes[6]!.answer({ state: 'error', errno: 'EIO', message: 'Input/output error', stage: 'statfs' });
  await sweep;
  const states = events.flatMap((e) => (e.type === 'mount' ? [e.mount.state] : []));
  assert.deepEqual(states, ['slow', 'error', 'error', 'error', 'error', 'error', 'hung', 'error']);
  assert.equal(log.calls.filter((c) => c.startsWith('failed')).length, 1, log.calls.join('; '));
});

test('kernel lines: one log line per episode, and repeated lines probe only mounts that still look well', async () => {
  const nfs = (id: number, path: string): MountEntry => ({ ...entry(id, path, 'nfs4', `nfs1:/export${path}`), superOptions: ['rw', 'addr=10.0.0.5'] });
  const { prober, monitor, log } = setup([nfs(10, '/a'), nfs(11, '/b')]);
  const sweep = monitor.sweep();
  await tick();
  for (const p of prober.probes) p.answer({ state: 'ok' }), p.exit();
  await sweep;
  const line = 'nfs: server nfs1 not responding, still trying';
  assert.deepEqual(monitor.serverSignal('nfs1', 'not-responding', line), ['/a', '/b']);
  await tick();
  for (let i = 0; i < 30; i++) assert.deepEqual(monitor.serverSignal('nfs1', 'not-responding', line), [], 'both are being probed');
  assert.equal(prober.probes.length, 4);
  // /a answers (from a cache, say) while /b stays unanswered: the next line probes /a again, not /b.
  prober.probes[2]!.answer({ state: 'ok' });
  prober.probes[2]!.exit();
  await tick();
  await tick();
  assert.deepEqual(monitor.serverSignal('nfs1', 'not-responding', line), ['/a']);
  assert.deepEqual(log.calls.filter((c) => c.startsWith('kernelSignal')), ['kernelSignal nfs1 not-responding 2']);
  assert.deepEqual(monitor.serverSignal('nfs1', 'ok', 'nfs: server nfs1 OK'), ['/a', '/b']);
  for (let i = 0; i < 5; i++) assert.deepEqual(monitor.serverSignal('nfs1', 'ok', 'nfs: server nfs1 OK'), []);
  assert.deepEqual(monitor.serverSignal('nfs1', 'not-responding', line), ['/a', '/b'], 'a new episode');
  assert.deepEqual(log.calls.filter((c) => c.startsWith('kernelSignal')), ['kernelSignal nfs1 not-responding 2', 'kernelSignal nfs1 ok 2', 'kernelSignal nfs1 not-responding 2']);
});

test('a CIFS kernel line (no "OK" ever follows) is cleared by the first answer of a probe started after it', async () => {
  let clock = 1000;
  const cifs = (id: number, path: string): MountEntry => ({ ...entry(id, path, 'cifs', '//127.0.0.5/share'), superOptions: ['rw', 'addr=127.0.0.5'] });
  const { prober, monitor, log } = setup([cifs(10, '/a'), cifs(11, '/b')], { now: () => clock });
  let sweep = monitor.sweep();
  await tick();
  for (const p of prober.probes) p.answer({ state: 'ok' }), p.exit();
  await sweep;
  // Captured in the lab guest (Debian 13, 6.12), 3 s into an nftables cut of 127.0.0.5:445.
  const line = 'CIFS: VFS: \\\\127.0.0.5 has not responded in 3 seconds. Reconnecting...';
  // A probe already running when the line came says nothing about the server since.
  sweep = monitor.sweep();
  await tick();
  clock += 1000;
  assert.deepEqual(monitor.serverSignal('127.0.0.5', 'not-responding', line, { okLine: false }), ['/a', '/b']);
  assert.equal(prober.probes.length, 4, 'the probes running are joined');
  prober.probes[2]!.answer({ state: 'ok' }), prober.probes[2]!.exit();
  await tick();
  const suspect = async (m: string) => (await monitor.snapshot()).mounts.find((s) => s.mountpoint === m)?.suspect;
  assert.equal(await suspect('/a'), `kernel: ${line}`, 'an answer to a probe from before the line');
  prober.probes[3]!.answer({ state: 'ok' }), prober.probes[3]!.exit();
  await sweep;
  // The server answers again: the first probe after the line that answers clears both of its mounts.
  clock += 1000;
  sweep = monitor.sweep();
  await tick();
  prober.probes[4]!.answer({ state: 'ok' }), prober.probes[4]!.exit();
  await tick();
  assert.equal(await suspect('/a'), undefined);
  assert.equal(await suspect('/b'), undefined, 'the other mount of the server too, before its own answer');
  prober.probes[5]!.answer({ state: 'ok' }), prober.probes[5]!.exit();
  await sweep;
  // And the server's next line is a new episode, logged again.
  assert.deepEqual(monitor.serverSignal('127.0.0.5', 'not-responding', line, { okLine: false }), ['/a', '/b']);
  assert.deepEqual(log.calls.filter((c) => c.startsWith('kernelSignal')), ['kernelSignal 127.0.0.5 not-responding 2', 'kernelSignal 127.0.0.5 not-responding 2']);
});
