// The tray's helper client against a real helper socket that comes and goes: "absent" with the start
// hint while nothing listens, connects when the helper appears, and after a helper restart reconnects
// and subscribes again without the tray doing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { createReconnectingClient, type HelperLinkState } from '../../../src/main/helper-client/reconnecting-client.js';
import type { IpcError } from '../../../src/common/protocol.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { FakeMonitor, mountStatus } from '../../helper/ipc/fake-monitor.js';
import { tempSocketPath, waitFor } from '../../helper/ipc/raw-client.js';

const fast = { initialMs: 20, maxMs: 200, factor: 2 };

test('no helper: state is absent with the start hint; snapshot and recheck reject with it', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const system = createReconnectingClient({ socketPath, backoff: fast });
  const user = createReconnectingClient({ socketPath, helperKind: 'user', backoff: fast });
  try {
    assert.equal(system.state().status, 'connecting');
    await waitFor(() => system.state().status === 'absent' && user.state().status === 'absent', 2000, 'absent');
    assert.deepEqual(system.state(), {
      status: 'absent',
      code: 'helper-absent',
      message: 'helper not running — start it with: sudo systemctl start mount-status-monitor',
    });
    assert.equal((user.state() as { message: string }).message, 'helper not running — start it with: mountstatus daemon');
    await assert.rejects(system.snapshot(), (e: IpcError) => e.code === 'helper-absent' && /sudo systemctl start mount-status-monitor/.test(e.message));
    await assert.rejects(system.recheck('/home'), (e: IpcError) => e.code === 'helper-absent');
  } finally {
    system.close();
    user.close();
    await cleanup();
  }
});

test('connects when the helper appears, and after a restart reconnects and re-subscribes', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const client = createReconnectingClient({ socketPath, backoff: fast });
  const states: HelperLinkState['status'][] = [];
  client.onState((s) => states.push(s.status));
  const events: MonitorEvent[] = [];
  client.onChange((e) => events.push(e));
  let server: Awaited<ReturnType<typeof openHelperSocket>> | undefined;
  try {
    await waitFor(() => client.state().status === 'absent', 2000, 'absent');

    const first = new FakeMonitor(undefined, 1111);
    server = await openHelperSocket({ socketPath, monitor: first });
    await waitFor(() => client.state().status === 'connected', 3000, 'connected');
    assert.equal((client.state() as { identity: { pid: number } }).identity.pid, 1111);
    await waitFor(() => server!.clients().some((c) => c.subscribed), 2000, 'subscribed to first');
    first.emit({ type: 'removed', mountpoint: '/one' });
    await waitFor(() => events.length === 1, 2000, 'first event');

    // The helper restarts (systemctl restart): a new process, a new monitor, the same socket path.
    await server.close();
    await waitFor(() => client.state().status !== 'connected', 2000, 'noticed the restart');
    const second = new FakeMonitor([mountStatus('/two')], 2222);
    server = await openHelperSocket({ socketPath, monitor: second });
    await waitFor(() => client.state().status === 'connected', 5000, 'reconnected');
    assert.equal((client.state() as { identity: { pid: number } }).identity.pid, 2222);
    await waitFor(() => server!.clients().some((c) => c.subscribed), 2000, 're-subscribed');
    second.emit({ type: 'mount', mount: mountStatus('/two', 'hung'), previous: 'ok' });
    await waitFor(() => events.length === 2, 2000, 'event after reconnect');
    assert.deepEqual(events.map((e) => e.type), ['removed', 'mount']);
    assert.deepEqual((await client.snapshot()).mounts.map((m) => m.mountpoint), ['/two']);
    assert.deepEqual(await client.recheck('/two'), { started: ['/two'], skipped: [] });
    assert.deepEqual(states.slice(0, 3), ['absent', 'connected', 'connecting']);
    assert.equal(states.at(-1), 'connected');
  } finally {
    client.close();
    await server?.close();
    await cleanup();
  }
});
