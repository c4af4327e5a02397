import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationPolicy, type MountNotification } from '../../../src/main/notify/policy.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import type { MountState, MountStatus } from '../../../src/common/mount.js';
import { mount, nfs, snapshot } from '../fixtures.js';

function setup(home = '/home/alice') {
  let t = 1_000_000;
  const policy = new NotificationPolicy({ home, now: () => t });
  const out: MountNotification[] = [];
  return {
    policy,
    out,
    advance(ms: number) {
      t += ms;
      out.push(...policy.flush());
    },
    feed(m: MountStatus, previous: MountState | null = null) {
      const e: MonitorEvent = { type: 'mount', mount: m, previous };
      out.push(...policy.handle(e));
    },
  };
}

test('home mount: one critical notification at once, naming path and server; recovery is normal', () => {
  const s = setup();
  s.out.push(...s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')])));
  assert.equal(s.out.length, 0);
  s.feed(nfs('/home', 'nfs1', 'hung'), 'ok');
  assert.equal(s.out.length, 1);
  const n = s.out[0]!;
  assert.equal(n.urgency, 'critical');
  assert.equal(n.title, 'Your home directory is not responding');
  assert.match(n.body, /\/home\/alice is on \/home \(nfs1:\/export\/home, server nfs1\), which did not answer within 10 s\./);
  // Later sweeps that find it still dead (hung -> stuck too) say nothing.
  s.feed(nfs('/home', 'nfs1', 'hung'), 'hung');
  s.feed(nfs('/home', 'nfs1', 'stuck'), 'hung');
  s.advance(5000);
  assert.equal(s.out.length, 1);
  s.feed(nfs('/home', 'nfs1', 'ok'), 'stuck');
  assert.equal(s.out.length, 2);
  assert.equal(s.out[1]!.urgency, 'normal');
  assert.equal(s.out[1]!.title, 'Your home directory is back');
});

test('three mounts of one server failing within the window: one notification', () => {
  const s = setup();
  s.policy.seed(snapshot([mount('/', 'ok')]));
  s.feed(nfs('/srv/a', 'nfs2', 'hung'));
  s.advance(500);
  s.feed(nfs('/srv/b', 'nfs2', 'hung'));
  s.advance(500);
  s.feed(nfs('/srv/c', 'nfs2', 'error', { errno: 'EIO' }));
  s.feed(nfs('/other', 'nfs3', 'hung'));
  assert.equal(s.out.length, 0, 'held for the grouping window');
  assert.equal(s.policy.nextDueAt(), 1_000_000 + 2000);
  s.advance(1000);
  assert.equal(s.out.length, 1);
  assert.equal(s.out[0]!.title, '3 mounts on nfs2 not responding');
  assert.equal(s.out[0]!.body, '/srv/a, /srv/b, /srv/c (server nfs2) stopped answering together. Programs that open them may freeze.');
  assert.equal(s.out[0]!.urgency, 'normal');
  s.advance(1000);
  assert.equal(s.out.length, 2);
  assert.equal(s.out[1]!.title, 'Mount not responding: /other');
});

test('dead at start: the seed notifies once', () => {
  const s = setup();
  s.out.push(...s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'error', { errno: 'ESTALE', message: 'stale file handle' })])));
  assert.equal(s.out.length, 1);
  assert.match(s.out[0]!.body, /which ESTALE: stale file handle/);
});

test('a flap inside the grouping window never reaches the user', () => {
  const s = setup();
  s.feed(nfs('/srv/a', 'nfs2', 'hung'));
  s.advance(1000);
  s.feed(nfs('/srv/a', 'nfs2', 'ok'));
  s.advance(5000);
  assert.deepEqual(s.out, []);
  assert.equal(s.policy.nextDueAt(), undefined);
});

test('storm of 50 flaps: bounded per mount, then one "and K more" summary', () => {
  const s = setup();
  for (let i = 0; i < 50; i++) {
    s.feed(nfs('/flaky', 'nfs9', 'hung'));
    s.advance(2100);
    s.feed(nfs('/flaky', 'nfs9', 'ok'));
    s.advance(2100);
  }
  // 50 flaps over 210 s: per-mount limit 2 per minute -> at most 2 per 60 s window, plus summaries.
  const regular = s.out.filter((n) => n.kind !== 'summary');
  const summaries = s.out.filter((n) => n.kind === 'summary');
  assert.ok(regular.length <= 2 * Math.ceil(210 / 60), `regular ${regular.length}`);
  assert.ok(summaries.length >= 1 && summaries.length <= Math.ceil(210 / 60), `summaries ${summaries.length}`);
  s.advance(120_000);
  const last = s.out.at(-1)!;
  assert.equal(last.kind, 'summary');
  assert.match(last.title, /^and \d+ more mount changes$/);
  assert.equal(last.body, 'Mounts changing state often: /flaky now OK. Open the status window for details.');
  const total = s.out.length;
  assert.ok(total <= 12, `total ${total}`);
});

test('storm over many mounts: at most maxOverall per minute plus one summary', () => {
  const s = setup();
  for (let i = 0; i < 50; i++) {
    s.feed(mount(`/fuse${i}`, 'hung', { source: `fix${i}` }));
    s.advance(2100);
  }
  s.advance(0);
  const inFirstMinute = s.out.filter((n) => n.kind !== 'summary');
  assert.ok(inFirstMinute.length <= 6 * 2, `${inFirstMinute.length}`);
  s.advance(60_000);
  const summaries = s.out.filter((n) => n.kind === 'summary');
  assert.ok(summaries.length >= 1);
  const held = summaries.reduce((a, n) => a + Number(/and (\d+)/.exec(n.title)![1]), 0);
  assert.equal(held + inFirstMinute.length, 50, 'every change is either notified or counted in a summary');
});

test('home down flapping: the summary is critical while home is down', () => {
  const s = setup();
  s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')]));
  for (let i = 0; i < 5; i++) {
    s.feed(nfs('/home', 'nfs1', 'hung'));
    s.feed(nfs('/home', 'nfs1', 'ok'));
  }
  s.feed(nfs('/home', 'nfs1', 'hung'));
  assert.equal(s.out.length, 2);
  s.advance(60_000);
  const last = s.out.at(-1)!;
  assert.equal(last.kind, 'summary');
  assert.equal(last.urgency, 'critical');
  assert.equal(last.title, 'and 9 more mount changes');
});

test('removed mounts are forgotten, covered entries ignored', () => {
  const s = setup();
  s.feed(nfs('/srv/a', 'nfs2', 'hung'));
  s.policy.handle({ type: 'removed', mountpoint: '/srv/a' });
  s.feed(nfs('/srv/b', 'nfs2', 'covered'));
  s.advance(3000);
  assert.deepEqual(s.out, []);
});

test('fast flaps (inside the grouping window) collapse: 50 flaps, at most one change shown', () => {
  const s = setup();
  for (let i = 0; i < 50; i++) {
    s.feed(nfs('/flaky', 'nfs9', 'hung'));
    s.advance(300);
    s.feed(nfs('/flaky', 'nfs9', 'ok'));
    s.advance(300);
  }
  s.advance(120_000);
  assert.deepEqual(s.out, []);
});

test('the home directory going down is told at once even when other mounts used up the overall limit', () => {
  const s = setup();
  s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')]));
  // Six unrelated mounts fail one after another: the overall limit (6 a minute) is used up.
  for (let i = 0; i < 6; i++) {
    s.feed(mount(`/fuse${i}`, 'hung', { source: `fix${i}` }));
    s.advance(2100);
  }
  assert.equal(s.out.length, 6);
  s.feed(nfs('/home', 'nfs1', 'hung'), 'ok');
  assert.equal(s.out.length, 7, 'the home notification was held back behind other mounts');
  assert.equal(s.out[6]!.title, 'Your home directory is not responding');
  assert.equal(s.out[6]!.urgency, 'critical');
  // Other mounts are still held to the limit.
  s.feed(mount('/fuse9', 'hung', { source: 'fix9' }));
  s.advance(2100);
  assert.equal(s.out.length, 7);
});

test('home mount slow: critical at once, naming the programs waiting; slow -> hung is the same episode; back when it answers', () => {
  const s = setup();
  s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')]));
  const blocked = { count: 3, processes: [{ pid: 1234, comm: 'firefox', uid: 1000 }, { pid: 1235, comm: 'firefox', uid: 1000 }, { pid: 2345, comm: 'thunderbird', uid: 1000 }] };
  s.feed(nfs('/home', 'nfs1', 'slow', { blocked }), 'ok');
  assert.equal(s.out.length, 1);
  const n = s.out[0]!;
  assert.equal(n.urgency, 'critical');
  assert.equal(n.title, 'Your home directory is not answering');
  assert.equal(
    n.body,
    '/home/alice is on /home (nfs1:/export/home, server nfs1), which is not answering. Firefox and 1 other program are waiting on it. ' +
      'Programs that open files in your home directory will freeze until it answers again; save your work elsewhere.',
  );
  s.feed(nfs('/home', 'nfs1', 'hung', { blocked }), 'slow');
  s.feed(nfs('/home', 'nfs1', 'slow', { blocked }), 'hung');
  assert.equal(s.out.length, 1, 'still the same episode');
  s.feed(nfs('/home', 'nfs1', 'ok'), 'slow');
  assert.equal(s.out.length, 2);
  assert.equal(s.out[1]!.title, 'Your home directory is back');
});

test('another mount slow says nothing; dead then slow is not back', () => {
  const s = setup();
  s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok'), nfs('/proj', 'nfs2', 'ok')]));
  s.feed(nfs('/proj', 'nfs2', 'slow'), 'ok');
  s.advance(3000);
  assert.equal(s.out.length, 0, 'a slow mount that is not home waits for its timeout');
  s.feed(nfs('/proj', 'nfs2', 'hung'), 'slow');
  s.advance(3000);
  assert.equal(s.out.length, 1);
  s.feed(nfs('/proj', 'nfs2', 'slow'), 'hung');
  s.advance(3000);
  assert.equal(s.out.length, 1, 'the next probe unanswered is no recovery');
  s.feed(nfs('/proj', 'nfs2', 'ok'), 'slow');
  s.advance(3000);
  assert.equal(s.out.at(-1)!.title, 'Mount back: /proj');
});

test("the home's server degrading: one normal notification per episode, none while the home is down; slow still critical", () => {
  const s = setup();
  const degrading = { reason: 'RPC round trip 210 ms, usually 0.4 ms', since: 1 };
  s.out.push(...s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')])));
  s.feed(nfs('/home', 'nfs1', 'ok', { degrading }), 'ok');
  s.feed(nfs('/home', 'nfs1', 'ok', { degrading: { ...degrading, reason: 'RPC round trip 400 ms, usually 0.4 ms' } }), 'ok');
  assert.deepEqual(s.out.map((n) => [n.kind, n.urgency, n.title]), [['degrading', 'normal', "Your home directory's server is responding slowly"]]);
  assert.match(s.out[0]!.body, /^\/home\/alice is on \/home \(nfs1:\/export\/home, server nfs1\): RPC round trip 210 ms, usually 0\.4 ms\. /);
  s.feed(nfs('/home', 'nfs1', 'slow', { degrading }), 'ok');
  assert.deepEqual(s.out.map((n) => [n.kind, n.urgency]), [['degrading', 'normal'], ['down', 'critical']], 'slow comes as before');
  s.advance(120_000);
  s.feed(nfs('/home', 'nfs1', 'ok'), 'slow');
  s.feed(nfs('/home', 'nfs1', 'slow', { degrading }), 'ok');
  assert.equal(s.out.filter((n) => n.kind === 'degrading').length, 1, 'not while the home is down');
});

test("the home's full escalation within a minute: degrading, then down (slow, hung), then back, one notification each", () => {
  const s = setup();
  const degrading = { reason: 'RPC round trip 330 ms, usually 9 ms', since: 1 };
  s.out.push(...s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')])));
  s.feed(nfs('/home', 'nfs1', 'ok', { degrading }), 'ok');
  s.advance(10_000);
  s.feed(nfs('/home', 'nfs1', 'slow', { degrading }), 'ok');
  s.advance(10_000);
  s.feed(nfs('/home', 'nfs1', 'hung', { degrading }), 'slow');
  s.advance(20_000);
  s.feed(nfs('/home', 'nfs1', 'ok', { degrading }), 'hung');
  s.advance(2000);
  s.feed(nfs('/home', 'nfs1', 'ok'), 'ok');
  s.advance(60_000);
  // The degrading notice does not use up the home's per-mount limit (2 a minute): the back one still comes.
  assert.deepEqual(s.out.map((n) => [n.kind, n.urgency]), [['degrading', 'normal'], ['down', 'critical'], ['recovered', 'normal']]);
});

test("a flapping server's degrading episodes are held by their own per-mount limit", () => {
  const s = setup();
  const degrading = { reason: 'RPC round trip 330 ms, usually 9 ms', since: 1 };
  s.out.push(...s.policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')])));
  for (let i = 0; i < 4; i++) {
    s.feed(nfs('/home', 'nfs1', 'ok', { degrading }), 'ok');
    s.advance(6000);
    s.feed(nfs('/home', 'nfs1', 'ok'), 'ok');
    s.advance(6000);
  }
  assert.deepEqual(s.out.map((n) => n.kind), ['degrading', 'degrading'], 'two in the minute, the rest held');
  s.advance(60_000);
  assert.deepEqual(s.out.map((n) => n.kind), ['degrading', 'degrading', 'summary']);
});
