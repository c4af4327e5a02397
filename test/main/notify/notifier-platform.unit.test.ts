// Which node-notifier notifier the app uses where: NotifySend refuses to run on macOS, so
// macOS gets NotificationCenter (terminal-notifier), Linux notify-send. terminal-notifier cannot run here;
// the arguments it would get are checked, and notify-send is run for real in notifier.integration.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNotifier, platformSender, toNotificationCenterArgs } from '../../../src/main/notify/notifier.js';
import type { MountNotification } from '../../../src/main/notify/messages.js';

const down: MountNotification = { kind: 'down', title: 'Your home directory is not responding', body: '/Users/alice is on /Users <b>', urgency: 'critical', mountpoints: ['/Users'], home: true };

test('per platform: NotificationCenter on macOS, notify-send on Linux, none elsewhere', async () => {
  assert.equal(platformSender('darwin', 'Mount Status Monitor', '/icons').kind, 'notification-center');
  assert.equal(platformSender('linux', 'Mount Status Monitor', '/icons').kind, 'notify-send');
  const none = platformSender('win32', 'Mount Status Monitor', '/icons');
  assert.equal(none.kind, 'none');
  const logged: string[] = [];
  const notifier = createNotifier({ send: none.send, log: (m) => logged.push(m) });
  notifier.notify(down);
  await notifier.idle();
  assert.equal(notifier.stats.failed, 1);
  assert.match(logged[0]!, /^notification "Your home directory is not responding" not shown: no notifier for win32/);
});

test("macOS: node-notifier's NotificationCenter gets plain text and returns at once", async () => {
  // Off macOS, node-notifier's NotificationCenter answers with its own refusal (it checks the OS before
  // running terminal-notifier): that it is the one answering shows which notifier the darwin sender uses.
  const error = await new Promise<Error | undefined>((resolve) => platformSender('darwin', 'Mount Status Monitor', '/icons').send(down, resolve));
  assert.match(error?.message ?? '', /Mac OS X 10\.8 or above to use NotificationCenter/);
  assert.deepEqual(toNotificationCenterArgs(down, '/icons'), {
    title: 'Your home directory is not responding',
    message: '/Users/alice is on /Users <b>',
    contentImage: '/icons/notify-dead.png',
    sound: 'Basso',
    timeout: false,
  });
});
