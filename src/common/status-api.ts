// The one object the preload exposes to the status window as `window.mountStatus`: one function per
// operation, never a raw ipcRenderer (STYLE.md). Methods return promises; the event is onX.
import type { MonitorEvent, RecheckResult, Snapshot } from './monitor-api.js';

export interface MountStatusApi {
  /** The monitor's identity, last sweep and every mount's status. */
  snapshot(): Promise<Snapshot>;
  /** Subscribes to pushed changes; returns the unsubscribe function. */
  onChange(listener: (event: MonitorEvent) => void): () => void;
  /** Rechecks one mount (by mountpoint, as listed in the snapshot) or, without an argument, all. */
  recheck(mountpoint?: string): Promise<RecheckResult>;
  /** The user's home directory; the window pins the mount that holds it (found from the table, no fs call). */
  homeDirectory(): Promise<string>;
}

/** The global name the preload exposes the API under (contextBridge.exposeInMainWorld). */
export const STATUS_API_GLOBAL = 'mountStatus';
