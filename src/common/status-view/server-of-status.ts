// Which server a mount lives on, for grouping the status window and the tray by server. One parser for
// the whole project: src/common/mount-table/server.ts (NFS host:/export and [v6]:/export, CIFS
// //server/share, sshfs user@host:path, ...); local sources such as "/dev/sda1" or "tmpfs" have none.
import { serverOf } from '../mount-table/server.js';

/** The server named by a mount source, or undefined for a local mount. */
export function serverFromSource(source: string, fstype: string): string | undefined {
  return serverOf({ source, fstype, superOptions: [] });
}

/**
 * The server of a status: the monitor's own answer when it has one, else parsed from the source; never
 * for a mount a user made (its source says whatever the user chose, not a server).
 */
export function serverOfStatus(status: { server?: string; source: string; fstype: string; mountedBy?: number }): string | undefined {
  if (status.mountedBy !== undefined) return undefined;
  return status.server || serverFromSource(status.source, status.fstype);
}
