import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMountstats } from '../../src/common/mountstats.js';
import { DegradingJudge, rpcSample, type RpcSample } from '../../src/common/nfs-degrading.js';

// Real reads from the lab guest, one a second, every third kept (the helper reads every 3 s): see the
// fixture's header and docs/nfs-degrading.md.
const lab = readFileSync(new URL('../../../test/fixtures/mountstats/lab-degrading.txt', import.meta.url), 'utf8');
const reads = lab
  .split(/^# read /m)
  .slice(1)
  .map((chunk) => {
    const [head, ...rest] = chunk.split('\n');
    const [n, phase] = head!.split(' ');
    return { second: Number(n), phase: phase!, stats: parseMountstats(rest.join('\n')) };
  });

/** The judge's verdict on each lab read of one mount: [second, phase, degrading, reason]. */
function replay(mountpoint: string): { second: number; phase: string; degrading: boolean; reason: string }[] {
  const judge = new DegradingJudge();
  return reads.map(({ second, phase, stats }) => {
    const entry = stats.mounts.find((m) => m.mountpoint === mountpoint)!;
    const j = judge.update(rpcSample(entry, second * 1000)!);
    return { second, phase, degrading: j.degrading, reason: j.reason ?? '' };
  });
}

test('the lab reads parse cleanly, both mounts in every read', () => {
  assert.equal(reads.length, 44);
  for (const r of reads) {
    assert.deepEqual(r.stats.problems, []);
    assert.deepEqual(r.stats.mounts.map((m) => m.mountpoint), ['/mnt/a', '/mnt/c']);
  }
});

test('netem delay 200ms: degrading at the second read after it began (6 s), with the round trip against the usual in words', () => {
  const a = replay('/mnt/a');
  assert.deepEqual(a.filter((r) => r.phase === 'idle' || r.phase === 'start').map((r) => r.degrading), [false, false, false, false, false, false], 'idle: never');
  const delay = a.filter((r) => r.phase === 'delay200');
  assert.deepEqual(delay.map((r) => r.degrading), [false, true, true, true, true]);
  assert.match(delay[1]!.reason, /^RPC round trip 2\d\d ms, usually \d+(\.\d)? ms$/);
  assert.ok(a.filter((r) => r.phase === 'loss20').every((r) => r.degrading), 'and through 20 % loss');
});

test('the qdisc removed: ok again after two reads back near the usual', () => {
  const clear = replay('/mnt/a').filter((r) => r.phase === 'clear');
  const firstOk = clear.findIndex((r) => !r.degrading);
  assert.ok(firstOk > 0 && firstOk <= 4, `ok again within 12 s of the qdisc's removal: ${JSON.stringify(clear)}`);
  assert.ok(clear.slice(firstOk).every((r) => !r.degrading), 'and stays so');
});

test('a 200 MB sequential write on a healthy mount is no alarm (its metadata round trips reached 166 ms meanwhile)', () => {
  const write = replay('/mnt/a').filter((r) => r.phase === 'write');
  assert.equal(write.length, 7);
  assert.deepEqual(write.filter((r) => r.degrading), []);
});

test('a cut: the per-op counters stand still, the transport shows requests waiting with no reply', () => {
  const cut = replay('/mnt/a').filter((r) => r.phase === 'cut' || r.phase === 'restored');
  const first = cut.findIndex((r) => r.degrading);
  assert.ok(first >= 0 && first <= 2, `within 5-9 s of the cut: ${JSON.stringify(cut)}`);
  assert.match(cut[first]!.reason, /^2 requests waiting, no reply for [6-9] s$/);
  const ops = reads.filter((r) => r.phase === 'cut').map((r) => r.stats.mounts[0]!.rpc!.totals.ops);
  assert.equal(new Set(ops.slice(1)).size, 1, 'no operation completed during the cut');
});

test('a retransmission keeps the episode open until the minute holds none', () => {
  const c = replay('/mnt/c');
  const withRetrans = c.filter((r) => /1 retransmission in the last minute/.test(r.reason));
  assert.ok(withRetrans.length > 0, 'the v3 mount with timeo=10 retransmitted once under 20 % loss');
  const last = c.length - 1 - [...c].reverse().findIndex((r) => r.degrading);
  assert.ok(c.slice(last + 1).length >= 5 && c.slice(last + 1).every((r) => !r.degrading), 'then ok for good');
});

/** A synthetic read: `ops` metadata operations of `rtt` ms each since the last, the transport answering all. */
function feeder() {
  const s: RpcSample = { at: 0, metaOps: 0, metaRttMs: 0, dataBytes: 0, ops: 0, trans: 0, timeouts: 0, sends: 0, replies: 0 };
  return (rtt: number, extra: { ops?: number; retransmissions?: number; timeouts?: number } = {}): RpcSample => {
    const ops = extra.ops ?? 3;
    s.at += 3000;
    s.metaOps += ops;
    s.metaRttMs += rtt * ops;
    s.ops += ops;
    s.trans += ops + (extra.retransmissions ?? 0);
    s.timeouts += extra.timeouts ?? 0;
    s.sends += ops + (extra.retransmissions ?? 0);
    s.replies += ops;
    return { ...s };
  };
}

test('a mount 80 ms away from the start is not degrading; the same mount at 400 ms is', () => {
  const judge = new DegradingJudge();
  const read = feeder();
  for (let i = 0; i < 100; i++) assert.equal(judge.update(read(80 + ((i * 37) % 41) - 20)).degrading, false, `read ${i}`);
  assert.equal(judge.update(read(400)).degrading, false, 'one slow read is not an episode');
  const j = judge.update(read(410));
  assert.equal(j.degrading, true);
  assert.match(j.reason!, /^RPC round trip 410 ms, usually (7\d|8\d) ms$/);
});

test('the reason in numbers and words, retransmissions counted over the last minute', () => {
  const judge = new DegradingJudge();
  const read = feeder();
  for (let i = 0; i < 5; i++) judge.update(read(0.4));
  judge.update(read(205, { retransmissions: 6 }));
  const j = judge.update(read(210, { retransmissions: 8 }));
  assert.equal(j.reason, 'RPC round trip 210 ms, usually 0.4 ms; 14 retransmissions in the last minute');
  assert.equal(j.retransmissions, 14);
});

test('three retransmissions in a minute are an episode on their own; a major timeout too; both end when the minute holds none', () => {
  const judge = new DegradingJudge();
  const read = feeder();
  for (let i = 0; i < 5; i++) judge.update(read(1));
  assert.equal(judge.update(read(1, { retransmissions: 2 })).degrading, false, 'two are not');
  assert.equal(judge.update(read(1, { retransmissions: 1 })).reason, '3 retransmissions in the last minute');
  let j = judge.update(read(1));
  for (let i = 0; i < 20 && j.degrading; i++) j = judge.update(read(1));
  assert.equal(j.degrading, false);
  assert.equal(judge.update(read(1, { timeouts: 1 })).reason, '1 major timeout in the last minute');
});

test('counters that go back (a new mount on the path) start afresh, without a false episode', () => {
  const judge = new DegradingJudge();
  const read = feeder();
  for (let i = 0; i < 5; i++) judge.update(read(1));
  const fresh = { at: 100_000, metaOps: 1, metaRttMs: 1, dataBytes: 0, ops: 1, trans: 1, timeouts: 0, sends: 1, replies: 1 };
  assert.equal(judge.update(fresh).degrading, false);
});
