import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupStatusBridge, type IpcMainLike } from '../../src/main/status-bridge.js';
import { IpcChannel } from '../../src/common/ipc-channels.js';
import type { MonitorApi, MonitorEvent, RecheckResult, Snapshot } from '../../src/common/monitor-api.js';
import type { Connection } from '../../src/common/status-api.js';
import type { MountAdvice } from '../../src/common/recovery.js';

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
  const advice: MountAdvice[] = [{ mountId: 7, mountpoint: '/mnt/own', advice: { kind: 'disconnect', label: 'Disconnect', mountpoint: '/mnt/own' } }];
  const disconnects: string[] = [];
  const recovery = {
    adviseNow: async () => advice,
    disconnect: async (mp: string) => (disconnects.push(mp), { gone: true, steps: [`${mp} is unmounted`] }),
  };
  return { handlers, ipcMain, api, listeners, rechecks, snapshot, recovery, advice, disconnects };
}

test('answers the window it made, refuses other senders, validates recheck arguments, pushes changes', async () => {
  const f = fakes();
  const ours = { id: 1 };
  const sent: [string, unknown][] = [];
  const connListeners = new Set<(c: Connection) => void>();
  let quits = 0;
  const bridge = setupStatusBridge({
    ipcMain: f.ipcMain,
    api: f.api,
    recovery: f.recovery,
    connection: () => ({ state: 'connected' }),
    onConnection: (l) => (connListeners.add(l), () => connListeners.delete(l)),
    home: '/home/alice',
    notice: () => 'no tray here',
    quit: () => void quits++,
    isOurSender: (s) => s === ours,
    send: (channel, payload) => sent.push([channel, payload]),
  });
  const call = (channel: string, sender: unknown, ...args: unknown[]) => f.handlers.get(channel)!({ sender }, ...args);

  assert.equal(await call(IpcChannel.Snapshot, ours), f.snapshot);
  assert.equal(await call(IpcChannel.HomeDirectory, ours), '/home/alice');
  assert.equal(await call(IpcChannel.AppNotice, ours), 'no tray here');
  assert.deepEqual(await call(IpcChannel.Connection, ours), { state: 'connected' });
  await call(IpcChannel.Quit, ours);
  assert.equal(quits, 1);
  assert.throws(() => call(IpcChannel.Quit, { id: 2 }), /not the status window/);
  assert.equal(quits, 1);
  assert.deepEqual(await call(IpcChannel.Recheck, ours, '/home'), { started: ['/home'], skipped: [] });
  await call(IpcChannel.Recheck, ours);
  assert.deepEqual(f.rechecks, ['/home', undefined]);

  assert.throws(() => call(IpcChannel.Snapshot, { id: 2 }), /not the status window/);
  assert.throws(() => call(IpcChannel.Recheck, { id: 2 }, '/home'), /not the status window/);
  for (const bad of [42, { path: '/x' }, 'a\0b', 'x'.repeat(5000)]) {
    assert.throws(() => call(IpcChannel.Recheck, ours, bad), /recheck wants a mountpoint/);
  }
  assert.equal(f.rechecks.length, 2, 'nothing refused reached the monitor');

  // Recovery: the advice as main has it, Disconnect only of a path, only for the window.
  assert.equal(await call(IpcChannel.RecoveryAdvice, ours), f.advice);
  assert.deepEqual(await call(IpcChannel.Disconnect, ours, '/mnt/own'), { gone: true, steps: ['/mnt/own is unmounted'] });
  assert.throws(() => call(IpcChannel.RecoveryAdvice, { id: 2 }), /not the status window/);
  assert.throws(() => call(IpcChannel.Disconnect, { id: 2 }, '/mnt/own'), /not the status window/);
  for (const bad of [undefined, 42, ['/mnt/own'], 'a\0b', 'x'.repeat(5000)]) {
    assert.throws(() => call(IpcChannel.Disconnect, ours, bad), /disconnect wants a mountpoint/);
  }
  assert.deepEqual(f.disconnects, ['/mnt/own'], 'nothing refused reached the recovery');

  const event: MonitorEvent = { type: 'removed', mountpoint: '/mnt/x' };
  for (const l of f.listeners) l(event);
  for (const l of connListeners) l({ state: 'absent', message: 'gone' });
  assert.deepEqual(sent, [
    [IpcChannel.Changed, event],
    [IpcChannel.ConnectionChanged, { state: 'absent', message: 'gone' }],
  ]);

  bridge.dispose();
  assert.equal(f.handlers.size, 0);
  assert.equal(f.listeners.size, 0);
  assert.equal(connListeners.size, 0);
});
