// End to end: the real Monitor (real mount table, real probe children) served on a real socket, asked by
// the real client. Two tmpfs mounts in a private mount namespace; one recheck of each kind; an unknown
// path refused by the server; the monitor's own refusal checked too (it must not rely on the server).
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
const ns = privateMountNamespace(import.meta.url);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Monitor } from '../../../src/node/monitor/monitor.js';
import { createProber } from '../../../src/node/probe/create-prober.js';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { connectHelper } from '../../../src/node/ipc/client.js';
import type { IpcError } from '../../../src/common/protocol.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { tempSocketPath, waitFor } from './raw-client.js';

test('the real Monitor over the socket: snapshot, pushed events, recheck one and all, unknown path refused', { skip: skipOrFail(ns.canMount ? undefined : ns.reason) }, async () => {
  const { socketPath, dir, cleanup } = await tempSocketPath();
  const mnt = join(dir, 'mnt');
  const a = join(mnt, 'a');
  const b = join(mnt, 'b');
  await mkdir(a, { recursive: true });
  await mkdir(b, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'msm-ipc-a', a]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'msm-ipc-b', b]);
  const monitor = new Monitor({
    intervalSeconds: 3600,
    timeoutSeconds: 5,
    include: [`${mnt}/*`, 'fstype:tmpfs'],
    exclude: [],
    mode: 'system',
    createProber: () => createProber(),
    readMountTable: () => readMountTable(),
    version: 'test',
  });
  const server = await openHelperSocket({ socketPath, monitor });
  const conn = await connectHelper(socketPath, { timeoutMs: 10_000 });
  try {
    assert.equal(conn.hello.identity.mode, 'system');
    assert.equal(conn.hello.identity.pid, process.pid);
    const events: MonitorEvent[] = [];
    conn.onChange((e) => events.push(e));
    await waitFor(() => server.clients().some((c) => c.subscribed), 2000, 'subscribed');

    await monitor.sweep();
    await waitFor(() => events.some((e) => e.type === 'sweep'), 10_000, 'sweep event');
    const okMounts = events.flatMap((e) => (e.type === 'mount' && e.mount.state === 'ok' ? [e.mount.mountpoint] : []));
    assert.deepEqual(okMounts.sort(), [a, b]);

    const snap = await conn.snapshot();
    assert.deepEqual(snap.mounts.map((m) => [m.mountpoint, m.state]).sort(), [[a, 'ok'], [b, 'ok']]);
    assert.equal(snap.lastSweep?.checked, 2);

    assert.deepEqual(await conn.recheck(a), { started: [a], skipped: [] });
    assert.deepEqual((await conn.recheck()).started.sort(), [a, b]);
    await assert.rejects(conn.recheck(mnt), (e: IpcError) => e.code === 'not-a-mountpoint');
    await assert.rejects(conn.recheck('/etc'), (e: IpcError) => e.code === 'not-a-mountpoint');
    // The monitor refuses on its own, too.
    await assert.rejects(monitor.recheck(join(a, 'sub')), (e: IpcError) => e.code === 'not-a-mountpoint');
  } finally {
    conn.close();
    await server.close();
    await monitor.stop();
    execFileSync('umount', [a]);
    execFileSync('umount', [b]);
    await cleanup();
  }
});
