// The status window's preload: exposes ONE typed object, window.mountStatus (MountStatusApi), with one
// function per operation. The renderer never sees ipcRenderer, channel names or IPC events.
//
// CommonJS (.cts → preload.cjs) because sandboxed preloads cannot be ES modules, and self-contained
// because a sandboxed preload's require() only offers 'electron' and a few built-ins
// (https://www.electronjs.org/docs/latest/tutorial/sandbox#preload-scripts): hence the channel names are
// copied here, and `satisfies typeof IpcChannel` makes any drift from src/common/ipc-channels.ts a
// compile error. Only types are imported from common; they vanish at compile time.
import electron = require('electron');
import type { IpcRendererEvent } from 'electron';
import type { IpcChannel } from '../common/ipc-channels.js';
import type { MonitorEvent, RecheckResult, Snapshot } from '../common/monitor-api.js';
import type { DisconnectResult, MountAdvice } from '../common/recovery.js';
import type { Connection, MountStatusApi } from '../common/status-api.js';

const Channel = {
  Snapshot: 'mount-status:snapshot:v1',
  Recheck: 'mount-status:recheck:v1',
  HomeDirectory: 'mount-status:home-directory:v1',
  Changed: 'mount-status:changed:v1',
  AppNotice: 'mount-status:app-notice:v1',
  Connection: 'mount-status:connection:v1',
  ConnectionChanged: 'mount-status:connection-changed:v1',
  Quit: 'mount-status:quit:v1',
  RecoveryAdvice: 'mount-status:recovery-advice:v1',
  Disconnect: 'mount-status:disconnect:v1',
} as const satisfies typeof IpcChannel;

/** The subset of ipcRenderer the API uses (so a test can pass its own). */
interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcRendererEvent, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: IpcRendererEvent, payload: unknown) => void): unknown;
}

function createMountStatusApi(ipc: IpcLike): MountStatusApi {
  return {
    snapshot: () => ipc.invoke(Channel.Snapshot) as Promise<Snapshot>,
    recheck: (mountpoint?: string) => {
      if (mountpoint !== undefined && typeof mountpoint !== 'string') {
        return Promise.reject(new TypeError('recheck(mountpoint?) takes a mountpoint string from the snapshot'));
      }
      return (mountpoint === undefined ? ipc.invoke(Channel.Recheck) : ipc.invoke(Channel.Recheck, mountpoint)) as Promise<RecheckResult>;
    },
    homeDirectory: () => ipc.invoke(Channel.HomeDirectory) as Promise<string>,
    appNotice: () => ipc.invoke(Channel.AppNotice) as Promise<string | undefined>,
    quit: () => ipc.invoke(Channel.Quit) as Promise<void>,
    recoveryAdvice: () => ipc.invoke(Channel.RecoveryAdvice) as Promise<MountAdvice[]>,
    disconnect: (mountpoint: string) => {
      if (typeof mountpoint !== 'string') return Promise.reject(new TypeError('disconnect(mountpoint) takes a mountpoint string from the snapshot'));
      return ipc.invoke(Channel.Disconnect, mountpoint) as Promise<DisconnectResult>;
    },
    onChange: (listener: (event: MonitorEvent) => void) => subscribe(ipc, Channel.Changed, listener, 'onChange'),
    onConnection: (listener: (connection: Connection) => void) => {
      const off = subscribe(ipc, Channel.ConnectionChanged, listener, 'onConnection');
      // The state now, then every change: a window opened late still knows where it stands.
      void (ipc.invoke(Channel.Connection) as Promise<Connection>).then(listener, () => undefined);
      return off;
    },
  };
}

function subscribe<T>(ipc: IpcLike, channel: string, listener: (payload: T) => void, name: string): () => void {
  if (typeof listener !== 'function') throw new TypeError(`${name}(listener) takes a function`);
  // Only the payload crosses to the page: the IpcRendererEvent (with its sender) stays here.
  const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as T);
  ipc.on(channel, handler);
  return () => {
    ipc.removeListener(channel, handler);
  };
}

electron.contextBridge.exposeInMainWorld('mountStatus', createMountStatusApi(electron.ipcRenderer));
