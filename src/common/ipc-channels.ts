// The IPC channel names between the status window's preload and the Electron main process: one list,
// used by both sides (electron/fiddle's pattern). The version suffix changes when a payload's
// shape does, so an old preload and a new main fail loudly instead of misreading each other.
//
// A plain `as const` object rather than a TS enum: the sandboxed preload cannot require() this file at run
// time (Electron sandboxed preloads may only require 'electron' and a few built-ins), so preload.cts keeps
// a literal copy checked against `typeof IpcChannel` with `satisfies` - a mismatch is a compile error.
export const IpcChannel = {
  /** invoke → Snapshot (src/common/monitor-api.ts). */
  Snapshot: 'mount-status:snapshot:v1',
  /** invoke(mountpoint?: string) → RecheckResult. Main must only accept mountpoints from the table. */
  Recheck: 'mount-status:recheck:v1',
  /** invoke → string: the user's home directory (os.homedir()); the window finds its mount itself. */
  HomeDirectory: 'mount-status:home-directory:v1',
  /** main → window push (webContents.send), payload MonitorEvent, sent for every MonitorApi change. */
  Changed: 'mount-status:changed:v1',
  /** invoke → string | undefined: what the window must say first (no tray icon on this desktop). */
  AppNotice: 'mount-status:app-notice:v1',
  /** invoke → Connection (src/common/status-api.ts): the app's link to its monitor now. */
  Connection: 'mount-status:connection:v1',
  /** main → window push, payload Connection, on every change of it. */
  ConnectionChanged: 'mount-status:connection-changed:v1',
  /** invoke → void: quits the app (the window's only way out where the desktop shows no tray icon). */
  Quit: 'mount-status:quit:v1',
  /** invoke → MountAdvice[] (src/common/recovery.ts): what to offer for each mount not answering now. */
  RecoveryAdvice: 'mount-status:recovery-advice:v1',
  /** invoke(mountpoint: string) → DisconnectResult. Main accepts only the user's own FUSE mount, not answering. */
  Disconnect: 'mount-status:disconnect:v1',
} as const;

export type IpcChannel = (typeof IpcChannel)[keyof typeof IpcChannel];
