// The helper socket against real Unix sockets in a temp dir, serving a fake monitor: every operation,
// and every kind of bad input answered with an error or a dropped connection, never a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openHelperSocket, type HelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { connectHelper } from '../../../src/node/ipc/client.js';
import { encodeMessage } from '../../../src/node/ipc/framing.js';
import { IpcError, MAX_REPLY_FRAME_BYTES, PROTOCOL_VERSION } from '../../../src/common/protocol.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { FakeMonitor, mountStatus } from './fake-monitor.js';
import { RawClient, tempSocketPath, waitFor } from './raw-client.js';

let server: HelperSocket;
let monitor: FakeMonitor;
let socketPath: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ socketPath, cleanup } = await tempSocketPath());
  monitor = new FakeMonitor();
  // Generous limits except where a test means to hit one: each test opens its own connections.
  server = await openHelperSocket({ socketPath, monitor, limits: { maxErrors: 5, recheckOne: { burst: 3, perSecond: 0.001 } } });
});

after(async () => {
  await server.close();
  await cleanup();
});

/** The server still answers a fresh, well-behaved client. */
async function stillServes(): Promise<void> {
  const c = await connectHelper(socketPath, { timeoutMs: 2000 });
  const snap = await c.snapshot();
  assert.equal(snap.mounts.length, monitor.mounts.length);
  c.close();
}

test('hello answers with the protocol version and the monitor identity', async () => {
  const c = await RawClient.connect(socketPath);
  const reply = await c.hello();
  assert.deepEqual(reply, {
    type: 'hello',
    id: 0,
    protocol: PROTOCOL_VERSION,
    server: 'mount-status-monitor',
    identity: { mode: 'system', privileged: true, pid: 4242, version: '9.9.9' },
  });
  c.close();
});

test('hello of another protocol major is refused with version-mismatch and the connection closed', async () => {
  const c = await RawClient.connect(socketPath);
  // A future client may add fields to hello: the refusal must still be readable.
  const reply = await c.ask({ type: 'hello', id: 7, protocol: 2, client: 'from the future', features: ['x'] });
  assert.equal(reply.type, 'error');
  assert.equal(reply.id, 7);
  assert.equal(reply.error.code, 'version-mismatch');
  assert.match(reply.error.message, /v1.*v2/);
  await c.closed;
});

test('a request before hello is answered with hello-required', async () => {
  const c = await RawClient.connect(socketPath);
  const reply = await c.ask({ type: 'snapshot', id: 3 });
  assert.equal(reply.type, 'error');
  assert.equal(reply.id, 3);
  assert.equal(reply.error.code, 'hello-required');
  c.close();
});

test('requests pipelined right behind hello (one write, no wait) are answered, not refused with hello-required', async () => {
  const c = await RawClient.connect(socketPath);
  c.sendBytes(
    Buffer.concat([
      encodeMessage({ type: 'hello', id: 1, protocol: PROTOCOL_VERSION, client: 'pipelining client' }, 1 << 20),
      encodeMessage({ type: 'snapshot', id: 2 }, 1 << 20),
      encodeMessage({ type: 'subscribe', id: 3 }, 1 << 20),
    ]),
  );
  await c.message(2);
  const byId = new Map(c.messages.map((m: any) => [m.id, m]));
  assert.equal(byId.get(1)?.type, 'hello');
  assert.equal(byId.get(2)?.type, 'snapshot', `snapshot answered with ${JSON.stringify(byId.get(2))}`);
  assert.equal(byId.get(3)?.type, 'subscribe', `subscribe answered with ${JSON.stringify(byId.get(3))}`);
  c.close();
});

test('connectHelper: snapshot over the socket equals the monitor snapshot', async () => {
  const c = await connectHelper(socketPath, { timeoutMs: 2000, clientName: 'test' });
  assert.equal(c.hello.identity.pid, 4242);
  assert.deepEqual(await c.snapshot(), await monitor.snapshot());
  assert.equal(server.clients().find((x) => x.name === 'test')?.subscribed, false);
  c.close();
});

test('a snapshot of 5,000 mounts with every field fits in one frame', async () => {
  const saved = monitor.mounts;
  monitor.mounts = Array.from({ length: 5000 }, (_, i) =>
    mountStatus(`/srv/containers/overlay/${i.toString(16).padStart(8, '0')}/merged`, i % 7 === 0 ? 'error' : 'ok', {
      source: `fileserver${i % 10}.example.org:/export/projects/${i}`,
      fstype: 'nfs4',
      mountId: 1000 + i,
      errno: i % 7 === 0 ? 'ENOTCONN' : undefined,
      message: i % 7 === 0 ? 'Transport endpoint is not connected' : undefined,
      latencyMs: 12.345678,
      checkedAt: 1_700_000_123_456,
      capacity: { totalBytes: 1e13, freeBytes: 5e12, availBytes: 4.9e12, totalInodes: 6e8, freeInodes: 5.5e8 },
      server: `fileserver${i % 10}.example.org`,
    }),
  );
  try {
    const size = encodeMessage({ type: 'snapshot', id: 1, snapshot: await monitor.snapshot() }, Infinity).length;
    console.log(`# snapshot of 5000 mounts: ${size} bytes (${Math.round(size / 5000)} per mount), limit ${MAX_REPLY_FRAME_BYTES}`);
    const c = await connectHelper(socketPath, { timeoutMs: 5000 });
    const snap = await c.snapshot();
    assert.equal(snap.mounts.length, 5000);
    assert.equal(snap.mounts[4999]!.capacity?.freeInodes, 5.5e8);
    c.close();
  } finally {
    monitor.mounts = saved;
  }
});

test('subscribe: every monitor event is pushed, in order, until unsubscribe', async () => {
  const c = await connectHelper(socketPath, { timeoutMs: 2000, clientName: 'subscriber' });
  const got: MonitorEvent[] = [];
  const off = c.onChange((e) => got.push(e));
  await waitFor(() => server.clients().some((x) => x.name === 'subscriber' && x.subscribed), 2000, 'subscription');
  const sent: MonitorEvent[] = [];
  for (let i = 0; i < 500; i++) {
    const e: MonitorEvent =
      i % 50 === 49
        ? { type: 'sweep', summary: { checked: i, dead: 0, seconds: 1, finishedAt: i } }
        : i % 10 === 9
          ? { type: 'removed', mountpoint: `/mnt/${i}` }
          : { type: 'mount', mount: mountStatus(`/mnt/${i}`, i % 2 ? 'hung' : 'ok'), previous: i % 2 ? 'ok' : null };
    sent.push(e);
    monitor.emit(e);
  }
  await waitFor(() => got.length === 500, 5000, '500 events');
  assert.deepEqual(got, sent);
  off();
  await waitFor(() => server.clients().some((x) => x.name === 'subscriber' && !x.subscribed), 2000, 'unsubscribe');
  monitor.emit({ type: 'removed', mountpoint: '/late' });
  await stillServes(); // a round trip on another connection; the late event must not have arrived here
  assert.equal(got.length, 500);
  c.close();
});

test('recheck of one mount and of all reach the monitor', async () => {
  const c = await connectHelper(socketPath, { timeoutMs: 2000 });
  const before = monitor.rechecks.length;
  assert.deepEqual(await c.recheck('/home'), { started: ['/home'], skipped: [] });
  assert.deepEqual(await c.recheck(), { started: ['/', '/home', '/mnt/nfs'], skipped: [] });
  assert.deepEqual(monitor.rechecks.slice(before), ['/home', undefined]);
  c.close();
});

test('recheck of a path not in the table is refused without asking the monitor', async () => {
  const c = await connectHelper(socketPath, { timeoutMs: 2000 });
  const before = monitor.rechecks.length;
  // Four unknown paths: under maxErrors (5), and not charged to the recheck budget (3).
  for (const path of ['/etc/shadow', '/home/../etc', '/home/', 'relative']) {
    await assert.rejects(c.recheck(path), (e: IpcError) => e.code === 'not-a-mountpoint' && e.message.includes('not a mountpoint'));
  }
  assert.equal(monitor.rechecks.length, before, 'monitor.recheck was called for an unknown path');
  assert.deepEqual(await c.recheck('/mnt/nfs'), { started: ['/mnt/nfs'], skipped: [] });
  c.close();
});

test('rechecks are rate-limited per client with a retry-after', async () => {
  const a = await connectHelper(socketPath, { timeoutMs: 2000 });
  await a.recheck();
  await assert.rejects(a.recheck(), (e: IpcError) => e.code === 'rate-limited' && (e.retryAfterMs ?? 0) > 5000);
  for (let i = 0; i < 3; i++) await a.recheck('/');
  await assert.rejects(a.recheck('/'), (e: IpcError) => e.code === 'rate-limited' && (e.retryAfterMs ?? 0) > 0);
  // Another client has its own budget.
  const b = await connectHelper(socketPath, { timeoutMs: 2000 });
  await b.recheck();
  a.close();
  b.close();
});

test('a valid frame that is not JSON gets bad-json and the connection stays usable', async () => {
  const c = await RawClient.connect(socketPath);
  await c.hello();
  const reply = await (c.sendText('{"type": "snapshot", '), c.message(1));
  assert.equal(reply.type, 'error');
  assert.equal(reply.id, null);
  assert.equal(reply.error.code, 'bad-json');
  const empty = await (c.sendText(''), c.message(2));
  assert.equal(empty.error.code, 'bad-json');
  const snap = await c.ask({ type: 'snapshot', id: 9 });
  assert.equal(snap.type, 'snapshot');
  assert.equal(snap.id, 9);
  c.close();
});

test('valid JSON of the wrong shape gets bad-message, echoing the id when it can be read', async () => {
  const c = await RawClient.connect(socketPath);
  await c.hello();
  const cases: [unknown, number | null, string][] = [
    [{ type: 'recheck', id: 5, mountpoint: 42 }, 5, 'bad-message'],
    [{ type: 'recheck', id: 6, mountpoint: '' }, 6, 'bad-message'],
    [{ type: 'snapshot', id: -1 }, null, 'bad-message'],
    [{ type: 'snapshot' }, null, 'bad-message'],
    [[1, 2, 3], null, 'bad-message'],
    ['snapshot', null, 'bad-message'],
    [{ id: 8 }, 8, 'bad-message'],
  ];
  for (const [msg, id, code] of cases.slice(0, 6)) {
    const reply = await c.ask(msg);
    assert.equal(reply.type, 'error', JSON.stringify(msg));
    assert.equal(reply.id, id, JSON.stringify(msg));
    assert.equal(reply.error.code, code, JSON.stringify(msg));
  }
  // maxErrors is 5 in this file: the sixth bad request got the connection dropped.
  await c.closed;
  await stillServes();
});

test('an unknown type gets unknown-type naming the known ones', async () => {
  const c = await RawClient.connect(socketPath);
  await c.hello();
  const reply = await c.ask({ type: 'reboot', id: 11, mountpoint: '/home' });
  assert.equal(reply.error.code, 'unknown-type');
  assert.equal(reply.id, 11);
  assert.match(reply.error.message, /"reboot".*hello, snapshot, subscribe, unsubscribe, recheck, unmount/);
  c.close();
});

test('an unmount to a helper that does not unmount (no handler: not root, or the app) is refused', async () => {
  const c = await RawClient.connect(socketPath);
  await c.hello();
  const reply = await c.ask({ type: 'unmount', id: 12, mountpoint: '/home', mode: 'force' });
  assert.equal(reply.error.code, 'refused');
  assert.equal(reply.id, 12);
  assert.match(reply.error.message, /only the system helper, running as root, does/);
  c.close();
});

test('garbage bytes (an HTTP request) drop the connection; others are still served', async () => {
  const c = await RawClient.connect(socketPath);
  c.sendBytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // "GET " read as a length of 1.2 GB
  await c.closed;
  assert.equal(c.messages.length, 0);
  await stillServes();
});

test('an oversize frame drops the connection at its header; others are still served', async () => {
  const other = await connectHelper(socketPath, { timeoutMs: 2000 });
  const c = await RawClient.connect(socketPath);
  await c.hello();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(16 * 1024 + 1);
  c.sendBytes(header); // only the header: the server must not wait for the body
  await c.closed;
  assert.equal((await other.snapshot()).mounts.length, 3);
  other.close();
});

test('a client sending far too many messages a second is dropped', async () => {
  const c = await RawClient.connect(socketPath);
  await c.hello();
  const burst = Buffer.concat(Array.from({ length: 200 }, (_, i) => encodeMessage({ type: 'snapshot', id: i + 1 }, 1 << 20)));
  c.sendBytes(burst);
  await c.closed;
  assert.ok(c.messages.length < 200, `got ${c.messages.length} replies`);
  await stillServes();
});

test('the server stops, closes its clients and removes its socket', async () => {
  const { socketPath: p, cleanup: done } = await tempSocketPath();
  const m = new FakeMonitor();
  const s = await openHelperSocket({ socketPath: p, monitor: m });
  const c = await connectHelper(p, { timeoutMs: 2000 });
  let closedWith: IpcError | undefined | 'open' = 'open';
  c.onClose((e) => (closedWith = e));
  c.onChange(() => {});
  await waitFor(() => s.clients().some((x) => x.subscribed), 2000, 'subscribe');
  assert.equal(m.listenerCount, 1);
  await s.close();
  await waitFor(() => closedWith !== 'open', 2000, 'client close');
  assert.equal((closedWith as unknown as IpcError).code, 'connection-closed');
  assert.equal(m.listenerCount, 0);
  await assert.rejects(connectHelper(p, { timeoutMs: 1000 }), (e: IpcError) => e.code === 'helper-absent');
  await done();
});
