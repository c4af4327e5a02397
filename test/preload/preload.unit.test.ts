// The compiled preload (dist/src/preload/preload.cjs) run as Electron runs a sandboxed preload: a
// function of (require, exports, module) whose require offers only 'electron' - here a fake contextBridge
// and ipcRenderer that record what the preload does with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { IpcChannel } from '../../src/common/ipc-channels.js';
import type { MountStatusApi } from '../../src/common/status-api.js';
import type { MonitorEvent } from '../../src/common/monitor-api.js';

const PRELOAD = new URL('../../src/preload/preload.cjs', import.meta.url);

type Handler = (event: unknown, payload: unknown) => void;

function loadPreload() {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const handlers = new Map<string, Set<Handler>>();
  const ipcRenderer = {
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      return { echo: args };
    },
    on: (channel: string, h: Handler) => {
      (handlers.get(channel) ?? handlers.set(channel, new Set()).get(channel)!).add(h);
    },
    removeListener: (channel: string, h: Handler) => {
      handlers.get(channel)?.delete(h);
    },
    send: () => assert.fail('the preload must not send raw messages'),
  };
  const required: string[] = [];
  const fakeRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) }, ipcRenderer };
  };
  const module = { exports: {} };
  const wrapper = runInNewContext(`(function (require, exports, module) {${readFileSync(PRELOAD, 'utf8')}\n})`, {});
  wrapper(fakeRequire, module.exports, module);
  return { exposed, invoked, handlers, required };
}

test('exposes exactly one object, mountStatus, requiring nothing but electron', () => {
  const { exposed, required } = loadPreload();
  assert.deepEqual([...exposed.keys()], ['mountStatus']);
  assert.deepEqual(required, ['electron']);
  const api = exposed.get('mountStatus') as Record<string, unknown>;
  assert.deepEqual(Object.keys(api).sort(), ['appNotice', 'disconnect', 'homeDirectory', 'onChange', 'onConnection', 'quit', 'recheck', 'recoveryAdvice', 'snapshot']);
  assert.ok(Object.values(api).every((v) => typeof v === 'function'), 'functions only: no ipcRenderer, no channel names');
});

test('each operation invokes its channel from src/common/ipc-channels.ts', async () => {
  const { exposed, invoked } = loadPreload();
  const api = exposed.get('mountStatus') as MountStatusApi;
  await api.snapshot();
  await api.recheck();
  await api.recheck('/home');
  await api.homeDirectory();
  await api.appNotice();
  await api.quit();
  await api.recoveryAdvice();
  await api.disconnect('/mnt/own');
  assert.deepEqual(invoked, [
    [IpcChannel.Snapshot],
    [IpcChannel.Recheck],
    [IpcChannel.Recheck, '/home'],
    [IpcChannel.HomeDirectory],
    [IpcChannel.AppNotice],
    [IpcChannel.Quit],
    [IpcChannel.RecoveryAdvice],
    [IpcChannel.Disconnect, '/mnt/own'],
  ]);
  await assert.rejects(api.recheck(42 as unknown as string), /takes a mountpoint string/);
  await assert.rejects(api.disconnect(42 as unknown as string), /takes a mountpoint string/);
  assert.equal(invoked.length, 8, 'a refused call sends nothing');
});

test('onChange passes only the payload and unsubscribes', () => {
  const { exposed, handlers } = loadPreload();
  const api = exposed.get('mountStatus') as MountStatusApi;
  const seen: unknown[][] = [];
  const off = api.onChange((...args) => seen.push(args));
  const event: MonitorEvent = { type: 'removed', mountpoint: '/mnt/x' };
  const registered = handlers.get(IpcChannel.Changed)!;
  assert.equal(registered.size, 1);
  for (const h of registered) h({ sender: 'ipc event with sender' }, event);
  assert.deepEqual(seen, [[event]], 'the IpcRendererEvent does not reach the page');
  off();
  assert.equal(registered.size, 0);
  assert.throws(() => api.onChange('nope' as unknown as () => void), /takes a function/);
});

test('onConnection gives the connection now (invoked), then every pushed change, and unsubscribes', async () => {
  const { exposed, handlers, invoked } = loadPreload();
  const api = exposed.get('mountStatus') as MountStatusApi;
  const seen: unknown[] = [];
  const off = api.onConnection((c) => seen.push(c));
  assert.deepEqual(invoked, [[IpcChannel.Connection]]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [{ echo: [IpcChannel.Connection] }], 'the answer to the invoke');
  const registered = handlers.get(IpcChannel.ConnectionChanged)!;
  for (const h of registered) h({ sender: 'x' }, { state: 'absent', message: 'gone' });
  assert.deepEqual(seen.at(-1), { state: 'absent', message: 'gone' });
  off();
  assert.equal(registered.size, 0);
});
