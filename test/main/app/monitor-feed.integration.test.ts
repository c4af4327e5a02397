// The app's monitor feed against a real helper socket: whatever was already wrong when the app
// connected, and whatever changed while the connection was down, reaches the listeners (the notification
// policy, the tray, the status window), which otherwise only hear of later changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHelperSocket, type HelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { openMonitorFeed } from '../../../src/main/app/monitor-feed.js';
import { startNotifications } from '../../../src/main/notify/notify-service.js';
import { NotificationPolicy, type MountNotification } from '../../../src/main/notify/policy.js';
import { FakeMonitor, mountStatus } from '../../helper/ipc/fake-monitor.js';
import { tempSocketPath, waitFor } from '../../helper/ipc/raw-client.js';

test('home already hung when the app starts against a running helper: the critical notification is sent', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor([mountStatus('/'), mountStatus('/home', 'hung', { source: 'nfs1:/export/home', fstype: 'nfs4' })]);
  const server = await openHelperSocket({ socketPath, monitor });
  const source = await openMonitorFeed({ socketPaths: [socketPath], waitMs: 2000 });
  const sent: MountNotification[] = [];
  // As main.ts does: the service starts right after the source is open.
  const service = startNotifications({
    api: source.api,
    policy: new NotificationPolicy({ home: '/home/alice', now: Date.now }),
    notifier: { notify: (n) => sent.push(n) },
    now: Date.now,
  });
  try {
    assert.equal(source.embedded, false);
    await service.ready;
    await waitFor(() => sent.length > 0, 3000, 'the home-directory notification');
    assert.equal(sent[0]!.title, 'Your home directory is not responding');
    assert.equal(sent[0]!.urgency, 'critical');
  } finally {
    service.stop();
    await source.close();
    await server.close();
    await cleanup();
  }
});

test('after a reconnect, changes made while the connection was down reach the listeners', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor([mountStatus('/'), mountStatus('/data', 'ok'), mountStatus('/gone', 'ok')]);
  let server: HelperSocket = await openHelperSocket({ socketPath, monitor });
  const source = await openMonitorFeed({ socketPaths: [socketPath], waitMs: 2000 });
  const events: MonitorEvent[] = [];
  source.api.onChange((e) => events.push(e));
  try {
    await waitFor(() => source.connection().state === 'connected', 3000, 'connected');
    await waitFor(() => server.clients().some((c) => c.subscribed), 3000, 'subscribed');
    // The helper goes away; meanwhile /data stops answering and /gone is unmounted. Nobody hears of it.
    await server.close();
    await waitFor(() => source.connection().state !== 'connected', 3000, 'noticed');
    monitor.mounts = [mountStatus('/'), mountStatus('/data', 'hung')];
    events.length = 0;
    server = await openHelperSocket({ socketPath, monitor });
    await waitFor(() => source.connection().state === 'connected', 5000, 'reconnected');
    await waitFor(
      () => events.some((e) => e.type === 'mount' && e.mount.mountpoint === '/data' && e.mount.state === 'hung'),
      3000,
      '/data hung replayed after the reconnect',
    );
    await waitFor(() => events.some((e) => e.type === 'removed' && e.mountpoint === '/gone'), 3000, '/gone removed after the reconnect');
  } finally {
    await source.close();
    await server.close();
    await cleanup();
  }
});
