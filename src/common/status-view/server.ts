// Which server a mount lives on, told from its source - for grouping the status window by server.
// Only network filesystem types are parsed: a local source such as "/dev/sda1" or "tmpfs" has no server,
// and a colon in a local source (e.g. a bind-mounted "C:" image) must not make one up.

/** fstypes whose source names a remote server (mount.nfs(8), mount.cifs(8), sshfs(1), mount.ceph(8)). */
const NETWORK_FSTYPES = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'afs', 'ceph', '9p', 'glusterfs', 'lustre',
  'fuse.sshfs', 'sshfs', 'fuse.glusterfs', 'fuse.rclone', 'fuse.s3fs', 'davfs', 'fuse.davfs2',
]);

export function isNetworkFstype(fstype: string): boolean {
  return NETWORK_FSTYPES.has(fstype) || fstype.startsWith('nfs');
}

/**
 * The server named by a mount source, or undefined for a local mount:
 * - NFS `server:/export/path`, `[fe80::1]:/export`
 * - CIFS `//server/share` (or `\\server\share`)
 * - sshfs `user@host:path` or `host:path`
 */
export function serverFromSource(source: string, fstype: string): string | undefined {
  if (!isNetworkFstype(fstype)) return undefined;
  const unc = /^(?:\/\/|\\\\)([^/\\]+)/.exec(source);
  if (unc) return unc[1];
  const bracketed = /^(?:[^@/]*@)?\[([^\]]+)\]:/.exec(source);
  if (bracketed) return bracketed[1];
  const hostColon = /^(?:[^@/:]*@)?([^@/:]+):/.exec(source);
  if (hostColon) return hostColon[1];
  return undefined;
}

/** The server of a status: the monitor's own answer when it has one, else parsed from the source. */
export function serverOfStatus(status: { server?: string; source: string; fstype: string }): string | undefined {
  return status.server || serverFromSource(status.source, status.fstype);
}
