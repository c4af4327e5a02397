import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupStatusBridge, type IpcMainLike } from '../../src/main/status-bridge.js';
import { IpcChannel } from '../../src/common/ipc-channels.js';
import type { MonitorApi, MonitorEvent, RecheckResult, Snapshot } from '../../src/common/monitor-api.js';

function fakes() {
  const handlers = new Map<string, (event: { sender: unknown }, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMainLike = {
    handle: (c, l) => void handlers.set(c, l),
    removeHandler: (c) => void handlers.delete(c),
  };
  const listeners = new Set<(e: MonitorEvent) => void>();
  const rechecks: (string | undefined)[] = [];
  const snapshot: Snapshot = { identity: { mode: 'system', privileged: true, pid: 1, version: 't' }, mounts: [] };
  const api: MonitorApi = {
    snapshot: async () => snapshot,
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    recheck: async (mp?: string): Promise<RecheckResult> => (rechecks.push(mp), { started: mp ? [mp] : [], skipped: [] }),
  };
  return { handlers, ipcMain, api, listeners, rechecks, snapshot };
}

test('answers the window it made, refuses other senders, validates recheck arguments, pushes changes', async () => {
  const f = fakes();
  const ours = { id: 1 };
  const sent: MonitorEvent[] = [];
  const bridge = setupStatusBridge({ ipcMain: f.ipcMain, api: f.api, home: '/home/alice', isOurSender: (s) => s === ours, send: (e) => sent.push(e) });
  const call = (channel: string, sender: unknown, ...args: unknown[]) => f.handlers.get(channel)!({ sender }, ...args);

  assert.equal(await call(IpcChannel.Snapshot, ours), f.snapshot);
  assert.equal(await call(IpcChannel.HomeDirectory, ours), '/home/alice');
  assert.deepEqual(await call(IpcChannel.Recheck, ours, '/home'), { started: ['/home'], skipped: [] });
  await call(IpcChannel.Recheck, ours);
  assert.deepEqual(f.rechecks, ['/home', undefined]);

  assert.throws(() => call(IpcChannel.Snapshot, { id: 2 }), /not the status window/);
  assert.throws(() => call(IpcChannel.Recheck, { id: 2 }, '/home'), /not the status window/);
  for (const bad of [42, { path: '/x' }, 'a\0b', 'x'.repeat(5000)]) {
    assert.throws(() => call(IpcChannel.Recheck, ours, bad), /recheck wants a mountpoint/);
  }
  assert.equal(f.rechecks.length, 2, 'nothing refused reached the monitor');

  const event: MonitorEvent = { type: 'removed', mountpoint: '/mnt/x' };
  for (const l of f.listeners) l(event);
  assert.deepEqual(sent, [event]);

  bridge.dispose();
  assert.equal(f.handlers.size, 0);
  assert.equal(f.listeners.size, 0);
});
