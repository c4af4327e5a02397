// The one object the preload exposes to the status window as `window.mountStatus` (the name is written
// out in src/preload/preload.cts, which may not import this file at run time): the monitor's own
// surface (MonitorApi) plus what only the window needs. One function per operation, never a raw
// ipcRenderer. Methods return promises; events are onX.
import type { MonitorApi } from './monitor-api.js';
import type { DisconnectResult, MountAdvice } from './recovery.js';

/** The app's link to its source of mount status, as the tray and the window say it. */
export interface Connection {
  state: 'connecting' | 'connected' | 'absent';
  /** For "absent": what to do, e.g. "helper not running — start it with: sudo systemctl start …". */
  message?: string;
}

export interface MountStatusApi extends MonitorApi {
  /** The user's home directory; the window pins the mount that holds it (found from the table, no fs call). */
  homeDirectory(): Promise<string>;
  /**
   * Something the window must say before anything else, or undefined: why the app has no tray icon on
   * this desktop and how to get one (src/main/tray/tray-host.ts).
   */
  appNotice(): Promise<string | undefined>;
  /** Quits the app: where the desktop shows no tray icon, the window is the only place to do it. */
  quit(): Promise<void>;
  /**
   * For every mount not answering now: Disconnect (the user's own FUSE mount), who can act and the exact
   * command (any other), or why nothing can be done.
   */
  recoveryAdvice(): Promise<MountAdvice[]>;
  /** Disconnects the user's own FUSE mount at `mountpoint` (as the snapshot names it), freeing the programs stuck on it. */
  disconnect(mountpoint: string): Promise<DisconnectResult>;
  /** The connection now, and every change of it; returns the unsubscribe function. */
  onConnection(listener: (connection: Connection) => void): () => void;
}
