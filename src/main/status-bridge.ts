// The main-process side of the status window's IPC (src/common/ipc-channels.ts): answers the preload's
// three requests and pushes every monitor change to the window. Plain module, no Electron import: main.ts
// passes in ipcMain-shaped and webContents-shaped objects, tests pass fakes (STYLE.md item 6).
// Requests from any sender other than the window main created are refused (electron/fiddle's rule).
import { IpcChannel } from '../common/ipc-channels.js';
import type { MonitorApi, MonitorEvent } from '../common/monitor-api.js';

export interface IpcMainLike {
  handle(channel: string, listener: (event: { sender: unknown }, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface StatusBridgeOptions {
  ipcMain: IpcMainLike;
  api: MonitorApi;
  /** The user's home directory, as a string (never stat()ed: it may be the hung mount). */
  home: string;
  /** True only for the webContents of the status window main created. */
  isOurSender(sender: unknown): boolean;
  /** Delivers a change to the status window, if open. */
  send(event: MonitorEvent): void;
}

/** The longest path a window may ask to recheck (PATH_MAX); the monitor checks it is in the table. */
const MAX_PATH = 4096;

export function setupStatusBridge(o: StatusBridgeOptions): { dispose(): void } {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (event: { sender: unknown }, ...args: unknown[]): R => {
      if (!o.isOurSender(event.sender)) throw new Error('refused: not the status window');
      return fn(...(args as A));
    };
  o.ipcMain.handle(IpcChannel.Snapshot, guard(() => o.api.snapshot()));
  o.ipcMain.handle(
    IpcChannel.Recheck,
    guard((mountpoint?: unknown) => {
      if (mountpoint !== undefined && (typeof mountpoint !== 'string' || mountpoint.length > MAX_PATH || mountpoint.includes('\0'))) {
        throw new Error('recheck wants a mountpoint from the table, or nothing for all');
      }
      return o.api.recheck(mountpoint);
    }),
  );
  o.ipcMain.handle(IpcChannel.HomeDirectory, guard(() => o.home));
  const unsubscribe = o.api.onChange((event) => o.send(event));
  return {
    dispose() {
      unsubscribe();
      for (const channel of [IpcChannel.Snapshot, IpcChannel.Recheck, IpcChannel.HomeDirectory]) o.ipcMain.removeHandler(channel);
    },
  };
}
