import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMountstats, type ParsedMountstats } from '../../../src/common/mountstats.js';
import { NfsRpcWatch } from '../../../src/node/monitor/nfs-rpc-watch.js';
import { tick } from './fake-prober.js';
import { entry, setup } from './monitor-fixtures.js';

const fixture = (name: string) => readFileSync(new URL(`../../../../test/fixtures/mountstats/${name}`, import.meta.url), 'utf8');

test('NFS mounts get their RPC counters from mountstats, matched by mountpoint; a local mount on an NFS path borrows none', () => {
  const text = fixture('nfs3-and-4.2.txt');
  const watch = new NfsRpcWatch();
  const home = entry(10, '/home/alice smith', 'nfs', 'nfs1:/export/home');
  const proj = entry(11, '/mnt/proj\ttab\\back', 'nfs4', 'fileserver:/srv/projects');
  const local = entry(12, '/data', 'ext4', '/dev/vdb');
  const { changed } = watch.update([home, proj, local], parseMountstats(text), 0);
  assert.deepEqual([...changed].sort(), ['/home/alice smith', '/mnt/proj\ttab\\back']);
  const totals = parseMountstats(text).mounts.find((m) => m.mountpoint === '/home/alice smith')!.rpc!.totals;
  assert.deepEqual(watch.facts(home), {
    nfs: { ops: totals.ops, retransmissions: totals.retransmissions, majorTimeouts: totals.majorTimeouts, avgBacklog: totals.avgBacklog, sends: totals.sends, replies: totals.replies },
  });
  assert.ok(watch.facts(proj)!.nfs!.ops > 0, 'the v4.2 mount with escaped tab and backslash has counters');
  assert.equal(watch.facts(local), undefined);
  assert.equal(watch.update([home], parseMountstats(text), 3000).changed.size, 0, 'unchanged counters change nothing');
});

/** The lab's reads of /mnt/a (NFSv4.2), in order: see test/fixtures/mountstats/lab-degrading.txt. */
function labReads(): { phase: string; stats: ParsedMountstats }[] {
  return fixture('lab-degrading.txt')
    .split(/^# read /m)
    .slice(1)
    .map((chunk) => {
      const [head, ...rest] = chunk.split('\n');
      return { phase: head!.split(' ')[1]!, stats: parseMountstats(rest.join('\n')) };
    });
}

test('the monitor: a degrading server is a condition beside the state, logged once when it begins and once when it ends', async () => {
  let clock = 0;
  const reads = labReads();
  let at = 0;
  const mnt = { ...entry(20, '/mnt/a', 'nfs4', '127.0.0.2:/srv/m/a'), device: '0:60' };
  const { prober, monitor, log, events } = setup([mnt], { now: () => clock, readMountstats: async () => reads[at]!.stats });
  const seen: { phase: string; state: string; degrading?: string }[] = [];
  for (at = 0; at < reads.length; at++) {
    clock = at * 3000;
    const sweep = monitor.sweep();
    await tick();
    for (const p of prober.inFlightFor('/mnt/a')) {
      p.answer({ state: 'ok' });
      p.exit();
    }
    const status = (await sweep).mounts[0]!;
    seen.push({ phase: reads[at]!.phase, state: status.state, ...(status.degrading ? { degrading: status.degrading.reason } : {}) });
    assert.equal(status.nfs?.sends, reads[at]!.stats.mounts[0]!.rpc!.totals.sends, 'the transport counters, fresh each read');
  }
  assert.ok(seen.every((s) => s.state === 'ok'), 'the probes answered: ok throughout, degrading or not');
  const delay = seen.filter((s) => s.phase === 'delay200');
  assert.equal(delay[0]!.degrading, undefined);
  assert.match(delay[1]!.degrading ?? '', /^RPC round trip 2\d\d ms, usually/);
  assert.deepEqual(seen.filter((s) => s.phase === 'write' && s.degrading), [], 'a large write is no alarm');
  const episodes = log.calls.filter((c) => c.startsWith('degrading'));
  // The cut's episode is still open at the last read: 15 s after the nftables rule went, TCP had not
  // retransmitted yet (its backoff had grown through the 30 s cut).
  assert.equal(episodes.length, 3, `delay and loss one episode, begun and ended once; the cut another: ${episodes.join('\n')}`);
  assert.match(episodes[0]!, /^degrading \/mnt\/a 127\.0\.0\.2 RPC round trip 2\d\d ms, usually [\d.]+ ms$/);
  assert.match(episodes[1]!, /^degradingOver \/mnt\/a \d+$/);
  assert.match(episodes[2]!, /^degrading \/mnt\/a 127\.0\.0\.2 2 requests waiting, no reply for \d s$/);
  const changes = events.filter((e) => e.type === 'mount' && e.mount.degrading !== undefined);
  assert.ok(changes.length > 0, 'subscribers hear of it');
  await monitor.stop();
});

test('between two reads of the counters, a probe answer keeps the degrading mark: the episode is not ended and begun again', async () => {
  let clock = 0;
  const reads = labReads();
  const secondDelayRead = reads.findIndex((r) => r.phase === 'delay200') + 1;
  let at = 0;
  const mnt = { ...entry(20, '/mnt/a', 'nfs4', '127.0.0.2:/srv/m/a'), device: '0:60' };
  const { prober, monitor, log, events } = setup([mnt], { now: () => clock, readMountstats: async () => reads[at]!.stats });
  const answerAll = (result: { state: 'ok' } | { state: 'error'; errno: string; stage: 'statfs' }) => {
    for (const p of prober.inFlightFor('/mnt/a')) {
      p.answer(result);
      p.exit();
    }
  };
  for (at = 0; at <= secondDelayRead; at++) {
    clock = at * 3000;
    const sweep = monitor.sweep();
    await tick();
    answerAll({ state: 'ok' });
    await sweep;
  }
  const reason = (await monitor.snapshot()).mounts[0]!.degrading?.reason;
  assert.match(reason ?? '', /^RPC round trip/, 'degrading after the second read under the delay');
  const firstEvent = events.length;

  // Probes answer between reads (the home watch every 2 s, a recheck): ok, then an error, then ok again.
  for (const result of [{ state: 'ok' }, { state: 'error', errno: 'EIO', stage: 'statfs' }, { state: 'ok' }] as const) {
    clock += 1000;
    await monitor.recheck('/mnt/a');
    await tick();
    answerAll(result);
    await tick();
    const status = (await monitor.snapshot()).mounts[0]!;
    assert.equal(status.state, result.state);
    assert.equal(status.degrading?.reason, reason, `after a probe's ${result.state} answer`);
  }
  const probeEvents = events.slice(firstEvent).filter((e) => e.type === 'mount');
  assert.equal(probeEvents.length, 3, 'each answer was pushed');
  for (const e of probeEvents) assert.equal(e.type === 'mount' && e.mount.degrading?.reason, reason, 'and pushed with the mark');
  assert.equal(log.calls.filter((c) => c.startsWith('degrading')).length, 1, 'one episode, begun once');
  await monitor.stop();
});
