// The recover policy's rules and timing, with an injected clock and a fake monitor (recover-policy.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import type { MountStatus } from '../../../src/common/mount.js';
import { parseDuration, parseRecoverRule, RecoverPolicy, type RecoverRule } from '../../../src/helper/recovery/recover-policy.js';
import type { LogLine } from '../../../src/helper/log/lines.js';

test('durations and rules parse, and bad ones say what is wrong', () => {
  assert.equal(parseDuration('5m'), 300);
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.equal(parseDuration('30'), 30);
  assert.equal(parseDuration('0'), undefined);
  assert.equal(parseDuration('8d'), undefined);
  assert.equal(parseDuration('-5m'), undefined);
  assert.deepEqual(parseRecoverRule('fstype:fuse.sshfs after 5m force'), { pattern: 'fstype:fuse.sshfs', afterSeconds: 300, mode: 'force' });
  assert.deepEqual(parseRecoverRule('  /mnt/scratch/** after 90s lazy '), { pattern: '/mnt/scratch/**', afterSeconds: 90, mode: 'lazy' });
  assert.deepEqual(parseRecoverRule('fstype:nfs4 after 2m shutdown'), { pattern: 'fstype:nfs4', afterSeconds: 120, mode: 'shutdown' });
  assert.throws(() => parseRecoverRule('fstype:nfs4 after 5m'), /expected "GLOB\|fstype:PATTERN after DURATION force\|lazy\|shutdown"/);
  assert.throws(() => parseRecoverRule('/mnt/x after soon force'), /"soon" is not a duration/);
  assert.throws(() => parseRecoverRule('/mnt/x after 5m gently'), /"gently" must be force, lazy or shutdown/);
  assert.throws(() => parseRecoverRule('fstype: after 5m force'), /fstype: needs a PATTERN/);
});

function fakeMonitor(initial: MountStatus[] = []) {
  const listeners = new Set<(e: MonitorEvent) => void>();
  return {
    snapshot: async () => ({ identity: { mode: 'system' as const, privileged: true, pid: 1, version: 't' }, mounts: initial }),
    onChange(l: (e: MonitorEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(e: MonitorEvent) {
      for (const l of listeners) l(e);
    },
  };
}

function mount(mountpoint: string, state: MountStatus['state'], since: number, fstype = 'fuse.sshfs', mountId = 7): MountStatus {
  return { mountpoint, source: 'bob@s:/', fstype, mountId, state, since };
}

function world(rules: RecoverRule[], opts: { rateLimit?: number; initial?: MountStatus[] } = {}) {
  let now = 1_000_000;
  const monitor = fakeMonitor(opts.initial);
  const tried: { mountpoint: string; mode: string; seconds: number }[] = [];
  const logged: LogLine[] = [];
  const policy = new RecoverPolicy({
    rules,
    monitor,
    act: async (m, rule, seconds) => {
      tried.push({ mountpoint: m.mountpoint, mode: rule.mode, seconds });
      return { gone: true };
    },
    log: { line: (l) => logged.push(l) },
    now: () => now,
    ...(opts.rateLimit !== undefined ? { rateLimit: opts.rateLimit, rateWindowMs: 60_000 } : {}),
  });
  return { policy, monitor, tried, logged, advance: (ms: number) => (now += ms), now: () => now };
}

test('a rule fires once its duration has passed since the mount stopped responding, and once per outage', async () => {
  const w = world([parseRecoverRule('fstype:fuse.sshfs after 5m force')]);
  await w.policy.start();
  const down = w.now();
  w.monitor.emit({ type: 'mount', mount: mount('/mnt/s', 'slow', down), previous: 'ok' });
  w.advance(10_000);
  w.monitor.emit({ type: 'mount', mount: mount('/mnt/s', 'hung', w.now()), previous: 'slow' }); // a new state, the same outage
  w.advance(280_000);
  await w.policy.tick();
  assert.equal(w.tried.length, 0, 'not before 5 minutes');
  w.advance(10_001);
  await w.policy.tick();
  assert.deepEqual(w.tried, [{ mountpoint: '/mnt/s', mode: 'force', seconds: 300.001 }], 'timed from the first sign, not the latest state');
  w.advance(60_000);
  await w.policy.tick();
  assert.equal(w.tried.length, 1, 'once per outage');
  // Answering again ends the outage; the next one is a new chance.
  w.monitor.emit({ type: 'mount', mount: mount('/mnt/s', 'ok', w.now()), previous: 'hung' });
  w.monitor.emit({ type: 'mount', mount: mount('/mnt/s', 'error', w.now()), previous: 'ok' });
  w.advance(300_000);
  await w.policy.tick();
  assert.equal(w.tried.length, 2);
  w.policy.stop();
});

test('a shutdown rule fires once after its duration; the mount then disconnected is no new outage', async () => {
  const w = world([parseRecoverRule('fstype:nfs4 after 2m shutdown')]);
  await w.policy.start();
  w.monitor.emit({ type: 'mount', mount: mount('/home', 'hung', w.now(), 'nfs4', 9), previous: 'ok' });
  w.advance(119_000);
  await w.policy.tick();
  assert.equal(w.tried.length, 0, 'not before 2 minutes');
  w.advance(1_000);
  await w.policy.tick();
  assert.deepEqual(w.tried, [{ mountpoint: '/home', mode: 'shutdown', seconds: 120 }]);
  // Disconnected, it fails at once from now on: neither an outage to act on nor a recovery.
  w.monitor.emit({ type: 'mount', mount: mount('/home', 'disconnected', w.now(), 'nfs4', 9), previous: 'hung' });
  w.advance(600_000);
  await w.policy.tick();
  assert.equal(w.tried.length, 1, 'once');
  w.policy.stop();
});

test('mounts no rule matches are left alone; the first matching rule decides; a mount that left the table is forgotten', async () => {
  const w = world([parseRecoverRule('/mnt/scratch/** after 1m lazy'), parseRecoverRule('fstype:nfs* after 10s force')], {
    initial: [mount('/mnt/scratch/a', 'hung', 1_000_000, 'nfs4', 1), mount('/home', 'hung', 1_000_000, 'nfs4', 2), mount('/mnt/other', 'hung', 1_000_000, 'fuse.sshfs', 3)],
  });
  await w.policy.start();
  w.advance(30_000);
  await w.policy.tick();
  assert.deepEqual(w.tried.map((t) => [t.mountpoint, t.mode]), [['/home', 'force']], 'scratch waits for its own rule, other matches none');
  w.monitor.emit({ type: 'removed', mountpoint: '/mnt/scratch/a' });
  w.advance(60_000);
  await w.policy.tick();
  assert.deepEqual(w.tried.map((t) => t.mountpoint), ['/home'], 'removed: not tried');
  w.policy.stop();
});

test('the rate limit holds tries back, says so once per mount, and lets them through later', async () => {
  const w = world([parseRecoverRule('fstype:nfs4 after 1s force')], { rateLimit: 2 });
  await w.policy.start();
  for (let i = 1; i <= 3; i++) w.monitor.emit({ type: 'mount', mount: mount(`/mnt/n${i}`, 'hung', w.now(), 'nfs4', i), previous: 'ok' });
  w.advance(2000);
  await w.policy.tick();
  await w.policy.tick();
  assert.deepEqual(w.tried.map((t) => t.mountpoint), ['/mnt/n1', '/mnt/n2']);
  assert.deepEqual(w.logged.map((l) => l.text), ["Not unmounting /mnt/n3 yet: the recover policy's limit of 2 unmounts in 60 seconds is reached"]);
  w.advance(60_000);
  await w.policy.tick();
  assert.deepEqual(w.tried.map((t) => t.mountpoint), ['/mnt/n1', '/mnt/n2', '/mnt/n3']);
  w.policy.stop();
});

test('no rules: nothing happens at all', async () => {
  const w = world([], { initial: [mount('/mnt/s', 'hung', 0)] });
  await w.policy.start();
  w.advance(86_400_000);
  await w.policy.tick();
  assert.equal(w.tried.length, 0);
  w.policy.stop();
});
