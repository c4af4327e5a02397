// The per-client limits on real sockets: too many clients, a reader that stalls while events are pushed,
// an idle client. In each case the offender goes and the monitor's loop and other clients are unaffected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { connectHelper } from '../../../src/node/ipc/client.js';
import type { IpcError } from '../../../src/common/protocol.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { FakeMonitor, mountStatus } from './fake-monitor.js';
import { RawClient, tempSocketPath, waitFor } from './raw-client.js';
import { setTimeout as sleep } from 'node:timers/promises';

test('100 clients at once (root): 64 are served, the rest told too-many-clients; later ones get in again', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const server = await openHelperSocket({ socketPath, monitor: new FakeMonitor() });
  try {
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => connectHelper(socketPath, { timeoutMs: 5000 })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(ok.length, 64);
    for (const r of refused) assert.equal(((r as PromiseRejectedResult).reason as IpcError).code, 'too-many-clients');
    assert.equal(server.clients().length, 64);
    for (const r of ok) (r as PromiseFulfilledResult<Awaited<ReturnType<typeof connectHelper>>>).value.close();
    await waitFor(() => server.clients().length === 0, 2000, 'clients gone');
    const again = await connectHelper(socketPath, { timeoutMs: 2000 });
    assert.equal((await again.snapshot()).mounts.length, 3);
    again.close();
  } finally {
    await server.close();
    await cleanup();
  }
});

test('a subscriber that never reads is dropped; the emitting loop and a reading subscriber are unaffected', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor();
  const maxBacklogBytes = 256 * 1024;
  const server = await openHelperSocket({ socketPath, monitor, limits: { maxBacklogBytes } });
  try {
    const stalled = await RawClient.connect(socketPath);
    await stalled.hello();
    await stalled.ask({ type: 'subscribe', id: 1 });
    stalled.socket.pause(); // stops reading: the kernel buffer fills, then the server's backlog grows

    const reader = await connectHelper(socketPath, { timeoutMs: 5000, clientName: 'reader' });
    const got: string[] = [];
    reader.onChange((e) => got.push(e.type === 'mount' ? e.mount.mountpoint : ''));
    await waitFor(() => server.clients().filter((c) => c.subscribed).length === 2, 2000, 'two subscribers');

    // ~1 KiB per event, 8,000 events = 8 MiB pushed: far over kernel buffer + backlog bound.
    const padding = 'x'.repeat(1000);
    const total = 8000;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let emitted = 0;
    await new Promise<void>((resolve) => {
      const batch = () => {
        for (let i = 0; i < 40 && emitted < total; i++, emitted++) {
          const e: MonitorEvent = { type: 'mount', mount: mountStatus(`/mnt/${emitted}`, 'ok', { message: padding }), previous: 'ok' };
          monitor.emit(e);
        }
        if (emitted < total) setImmediate(batch);
        else resolve();
      };
      batch();
    });
    await waitFor(() => got.length === total, 20_000, 'reader to get every event');
    delay.disable();
    const p99 = delay.percentile(99) / 1e6;
    const max = delay.max / 1e6;
    console.log(`# event-loop delay while pushing ${total} events to a stalled and a reading client: p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);

    assert.equal(emitted, total);
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => `/mnt/${i}`));
    assert.deepEqual(server.clients().map((c) => c.name), ['reader'], 'stalled client still connected');
    // A paused socket does not see the close until it reads again: what it got is a prefix, then EOF.
    stalled.socket.resume();
    await stalled.closed;
    const pushed = stalled.messages.filter((m: any) => m.type === 'event').length;
    console.log(`# stalled client received ${pushed} of ${total} events before it was dropped`);
    assert.ok(pushed < total);
    assert.ok(p99 < 500, `event loop stalled: p99 ${p99} ms`); // generous "did not hang" bound
    reader.close();
  } finally {
    await server.close();
    await cleanup();
  }
});

test('a client that neither subscribes nor sends is dropped after the idle time; a subscriber is kept', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const server = await openHelperSocket({ socketPath, monitor: new FakeMonitor(), limits: { idleMs: 1000 } });
  try {
    const idle = await RawClient.connect(socketPath);
    const helloOnly = await connectHelper(socketPath, { timeoutMs: 2000, clientName: 'hello-only' });
    const sub = await connectHelper(socketPath, { timeoutMs: 2000, clientName: 'subscriber' });
    sub.onChange(() => {});
    let helloOnlyClosed = false;
    helloOnly.onClose(() => (helloOnlyClosed = true));
    await idle.closed;
    await waitFor(() => helloOnlyClosed, 3000, 'hello-only client dropped');
    await sleep(1500); // the subscriber has now been silent for over idleMs
    assert.deepEqual(server.clients().map((c) => c.name), ['subscriber']);
    assert.equal((await sub.snapshot()).mounts.length, 3);
    sub.close();
  } finally {
    await server.close();
    await cleanup();
  }
});

test('a snapshot over the reply frame limit is sent in part, problems first, saying how many it left out', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor(Array.from({ length: 50 }, (_, i) => mountStatus(`/mnt/${i}`, i === 40 ? 'hung' : 'ok')));
  const server = await openHelperSocket({ socketPath, monitor, limits: { maxReplyFrameBytes: 2000 } });
  try {
    const c = await connectHelper(socketPath, { timeoutMs: 2000 });
    const part = await c.snapshot();
    assert.ok(part.mounts.length > 0 && part.mounts.length < 50, `${part.mounts.length} mounts`);
    assert.equal(part.omitted, 50 - part.mounts.length);
    assert.equal(part.mounts[0]?.mountpoint, '/mnt/0', 'in table order');
    assert.ok(part.mounts.some((m) => m.mountpoint === '/mnt/40' && m.state === 'hung'), 'the hung mount is kept');
    monitor.mounts = monitor.mounts.slice(0, 2);
    const whole = await c.snapshot();
    assert.equal(whole.mounts.length, 2);
    assert.equal(whole.omitted, undefined);
    c.close();
  } finally {
    await server.close();
    await cleanup();
  }
});
