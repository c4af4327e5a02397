// The main-process side of the status window's IPC (src/common/ipc-channels.ts): answers the preload's
// requests and pushes every monitor change and every connection change to the window. Plain module, no
// Electron import: main.ts passes in ipcMain-shaped and webContents-shaped objects, tests pass fakes
//. Requests from any sender other than the window main created are refused
// (electron/fiddle's rule).
//
// Set up before the monitor feed exists (main.ts hands in a pending source), so a window opened at
// start, or a request that arrives early, waits for the source instead of finding no handler.
import { IpcChannel } from '../common/ipc-channels.js';
import type { MonitorApi } from '../common/monitor-api.js';
import { MAX_PATH_LENGTH } from '../common/protocol.js';
import type { Connection } from '../common/status-api.js';
import type { MountRecovery } from './mount-recovery.js';

export interface IpcMainLike {
  handle(channel: string, listener: (event: { sender: unknown }, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface StatusBridgeOptions {
  ipcMain: IpcMainLike;
  api: MonitorApi;
  /** Advice and Disconnect for mounts not answering (mount-recovery.ts). */
  recovery: Pick<MountRecovery, 'adviseNow' | 'disconnect'>;
  connection(): Connection;
  onConnection(listener: (c: Connection) => void): () => void;
  /** The user's home directory, as a string (never stat()ed: it may be the hung mount). */
  home: string;
  /** What the window must say first, if anything (the desktop has no tray host). */
  notice(): string | undefined;
  quit(): void;
  /** True only for the webContents of the status window main created. */
  isOurSender(sender: unknown): boolean;
  /** Delivers a push (Changed, ConnectionChanged) to the status window, if it is open. */
  send(channel: string, payload: unknown): void;
}

/** A path a window may name: at most PATH_MAX; the monitor, or mount-recovery.ts, checks it is in the table. */
const isPath = (p: unknown): p is string => typeof p === 'string' && p.length <= MAX_PATH_LENGTH && !p.includes('\0');

const HANDLED = [
  IpcChannel.Snapshot,
  IpcChannel.Recheck,
  IpcChannel.HomeDirectory,
  IpcChannel.AppNotice,
  IpcChannel.Connection,
  IpcChannel.Quit,
  IpcChannel.RecoveryAdvice,
  IpcChannel.Disconnect,
];

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
      if (mountpoint !== undefined && !isPath(mountpoint)) {
        throw new Error('recheck wants a mountpoint from the table, or nothing for all');
      }
      return o.api.recheck(mountpoint);
    }),
  );
  o.ipcMain.handle(IpcChannel.HomeDirectory, guard(() => o.home));
  o.ipcMain.handle(IpcChannel.AppNotice, guard(() => o.notice()));
  o.ipcMain.handle(IpcChannel.Connection, guard(() => o.connection()));
  o.ipcMain.handle(IpcChannel.Quit, guard(() => o.quit()));
  o.ipcMain.handle(IpcChannel.RecoveryAdvice, guard(() => o.recovery.adviseNow()));
  o.ipcMain.handle(
    IpcChannel.Disconnect,
    guard((mountpoint: unknown) => {
      if (!isPath(mountpoint)) throw new Error('disconnect wants a mountpoint from the snapshot');
      return o.recovery.disconnect(mountpoint);
    }),
  );
  const unsubscribe = o.api.onChange((event) => o.send(IpcChannel.Changed, event));
  const unsubscribeConn = o.onConnection((c) => o.send(IpcChannel.ConnectionChanged, c));
  return {
    dispose() {
      unsubscribe();
      unsubscribeConn();
      for (const channel of HANDLED) o.ipcMain.removeHandler(channel);
    },
  };
}
