// Notifications for real: the policy decides, node-notifier runs notify-send, which calls Notify on a
// private D-Bus session bus served by Debian's notification-daemon; dbus-monitor shows what arrived.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationPolicy, type MountNotification } from '../../../src/main/notify/policy.js';
import { createNotifier, type Notifier } from '../../../src/main/notify/notifier.js';
import type { MountState, MountStatus } from '../../../src/common/mount.js';
import { notificationStackMissing, startNotificationSession, type NotificationSession } from '../../support/dbus-session.js';
import { skipOrFail } from '../../support/namespace.js';
import { mount, nfs, snapshot } from '../fixtures.js';

const skip = skipOrFail(notificationStackMissing());
let session: NotificationSession;
let notifier: Notifier;
let t = 5_000_000;
let policy: NotificationPolicy;
let expected = 0;

function send(list: MountNotification[]): void {
  for (const n of list) notifier.notify(n);
  expected += list.length;
}
function feed(m: MountStatus, previous: MountState | null = null): void {
  send(policy.handle({ type: 'mount', mount: m, previous }));
}
function advance(ms: number): void {
  t += ms;
  send(policy.flush());
}

before(async () => {
  if (skip) return;
  session = await startNotificationSession();
  // notify-send is started by node-notifier with this process's environment.
  Object.assign(process.env, session.env);
  notifier = createNotifier();
  policy = new NotificationPolicy({ home: '/home/alice', now: () => t });
  send(policy.seed(snapshot([mount('/', 'ok'), nfs('/home', 'nfs1', 'ok')])));
});

after(async () => {
  if (skip) return;
  await notifier?.idle();
  await session?.stop();
});

test('home mount not responding: one critical notification naming path and server', { skip }, async () => {
  feed(nfs('/home', 'nfs1', 'hung'), 'ok');
  feed(nfs('/home', 'nfs1', 'stuck'), 'hung'); // still dead: nothing new
  const got = await session.waitForCount(expected);
  assert.equal(got.length, 1);
  const n = got[0]!;
  assert.equal(n.appName, 'Mount Status Monitor');
  assert.equal(n.summary, 'Your home directory is not responding');
  assert.equal(
    n.body,
    '/home/alice is on /home (nfs1:/export/home, server nfs1), which did not answer within 10 s. ' +
      'Programs that open files in your home directory will freeze until it answers again; save your work elsewhere.',
  );
  assert.equal(n.urgency, 2, 'critical');
  assert.equal(n.expireTimeout, 0, 'critical stays until dismissed');
  assert.match(n.icon, /build\/icons\/notify-dead\.png$/);
});

test('home mount recovered: normal urgency', { skip }, async () => {
  feed(nfs('/home', 'nfs1', 'ok'), 'stuck');
  const got = await session.waitForCount(expected);
  const n = got.at(-1)!;
  assert.equal(n.summary, 'Your home directory is back');
  assert.equal(n.body, '/home/alice on /home (nfs1:/export/home, server nfs1) answers again.');
  assert.equal(n.urgency, 1, 'normal');
});

test('three mounts of one server failing together: one notification', { skip }, async () => {
  const before = session.captured.length;
  feed(nfs('/srv/a', 'nfs2', 'hung'));
  advance(300);
  feed(nfs('/srv/b', 'nfs2', 'hung'));
  advance(300);
  feed(nfs('/srv/c', 'nfs2', 'hung'));
  advance(2000);
  const got = await session.waitForCount(before + 1);
  assert.equal(got.length, before + 1);
  const n = got.at(-1)!;
  assert.equal(n.summary, '3 mounts on nfs2 not responding');
  assert.equal(n.body, '/srv/a, /srv/b, /srv/c (server nfs2) stopped answering together. Programs that open them may freeze.');
  assert.equal(n.urgency, 1);
});

test('shell-special characters in a mountpoint arrive unchanged; markup and control characters escaped, in the title too', { skip }, async () => {
  const before = session.captured.length;
  const odd = `/mnt/it's "$HOME" \`x\` & ; | <b>`;
  feed(mount(odd, 'error', { source: 'fusefix', errno: 'ENOTCONN', message: 'transport endpoint is not connected' }));
  advance(2100);
  let got = await session.waitForCount(before + 1);
  // The title: plain text for most servers, markup for some: & < > as octal escapes, right for both.
  assert.equal(got.at(-1)!.summary, `Mount failing: /mnt/it's "$HOME" \`x\` \\046 ; | \\074b\\076`);
  const inMarkup = `/mnt/it's "$HOME" \`x\` &amp; ; | &lt;b&gt;`;
  assert.equal(got.at(-1)!.body, `${inMarkup} (fusefix) ENOTCONN: transport endpoint is not connected. Programs that open it may freeze.`);

  // A newline, a backslash and a bidi override in a name are shown escaped (\ooo), not acted on.
  const tricky = '/mnt/a\nb\\c\u202egnp.exe';
  feed(mount(tricky, 'error', { source: 'fusefix', errno: 'EIO', message: 'input/output error' }));
  advance(2100);
  got = await session.waitForCount(before + 2);
  const shown = '/mnt/a\\012b\\134c\\342\\200\\256gnp.exe';
  assert.equal(got.at(-1)!.summary, `Mount failing: ${shown}`);
  assert.ok(got.at(-1)!.body.startsWith(`${shown} (fusefix) EIO`), got.at(-1)!.body);
});

test('a storm of 50 flaps: a bounded number of notifications, then one summary', { skip }, async () => {
  advance(120_000); // a fresh rate window
  const before = session.captured.length;
  const sentBefore = expected;
  // Each change outlives the 2 s grouping window, so every one is a real transition: 100 of them over
  // 210 s (simulated clock). Faster flaps collapse inside the window (policy.unit.test.ts).
  for (let i = 0; i < 50; i++) {
    feed(nfs('/flaky', 'nfs9', 'hung'));
    advance(2100);
    feed(nfs('/flaky', 'nfs9', 'ok'));
    advance(2100);
  }
  advance(60_000); // let the held changes become their summary
  const count = expected - sentBefore;
  const got = await session.waitForCount(before + count);
  await notifier.idle();
  const storm = got.slice(before);
  console.log(`# storm: 100 transitions -> ${storm.length} notifications over D-Bus`);
  assert.equal(session.captured.length - before, count, 'nothing beyond what the policy sent');
  // Per mount 2 per minute over 4 minutes, plus at most one summary per minute.
  assert.ok(storm.length <= 2 * 4 + 4, `bounded: ${storm.length}`);
  assert.ok(storm.some((n) => n.summary === 'Mount not responding: /flaky' && n.urgency === 1));
  assert.ok(storm.length >= 2);
  const last = storm.at(-1)!;
  assert.match(last.summary, /^and \d+ more mount changes$/);
  assert.equal(last.body, 'Mounts changing state often: /flaky now OK. Open the status window for details.');
  assert.equal(notifier.stats.failed, 0);
});
