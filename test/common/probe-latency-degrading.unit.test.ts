import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyJudge } from '../../src/common/probe-latency-degrading.js';

/** Feeds the latencies; returns the reason after each (or '' when not degrading). */
function run(judge: LatencyJudge, latencies: number[]): string[] {
  return latencies.map((ms) => judge.answered(ms).reason ?? '');
}

test('a local disk under load: single slow probes, and two in a row, are no alarm', () => {
  const judge = new LatencyJudge();
  // Figures of the kind measured on a loaded machine: a few ms, single probes to 61 and 250 ms.
  const said = run(judge, [2.8, 2.3, 3.3, 61, 4.5, 2.9, 250, 3.1, 2.7, 400, 380, 3.0, 2.2, 8.8, 2.5]);
  assert.deepEqual(said.filter(Boolean), []);
});

test('sustained, large deviation over the usual: degrading at the third probe in a row, over after three well ones', () => {
  const judge = new LatencyJudge();
  run(judge, [2, 3, 2, 2, 3, 2, 3]);
  const said = run(judge, [600, 650, 620, 640, 40, 3, 2, 3]);
  assert.deepEqual(said.map((r) => r.replace(/usually [\d.]+ ms/, 'usually U')), ['', '', 'probes answered in 620 ms, usually U', 'probes answered in 640 ms, usually U', 'probes answered in 640 ms, usually U', 'probes answered in 640 ms, usually U', '', '']);
  assert.match(said[2]!, /usually 2\.\d ms$/, 'the episode barely moves the usual');
});

test('a mount that is always far (its usual) is not degrading; the warmup only makes the usual', () => {
  const judge = new LatencyJudge();
  const said = run(judge, [900, 950, 1000, 880, 920, 940, 1100, 990, 1020, 960]);
  assert.deepEqual(said.filter(Boolean), [], 'ten times its usual is never reached');
  const cold = new LatencyJudge();
  assert.deepEqual(run(cold, [2, 500, 600, 700, 650]).filter(Boolean), [], 'the first five probes judge nothing');
});
