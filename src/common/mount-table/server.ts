// The server behind a network mount, so that mounts of one server can be grouped into one event.
//
//   nfs, nfs4 (Linux, BSD)        host:/export, [v6addr]:/export     -> host, v6addr (no brackets)
//   cifs, smb3 (Linux)            //host/share  (also \\host\share)  -> host
//   smbfs, afpfs (macOS/FreeBSD)  //user@host/share, //user;dom@host/share, afp://user@host/vol -> host
//   fuse.sshfs, sshfs             user@host:path, host:path, user@[v6]:path                     -> host
//   fuse.glusterfs, glusterfs     host:/volume                                                    -> host
//   davfs, webdav, fuse.davfs2    https://host[:port]/path                                        -> host
//   lustre                        10.0.0.1@tcp:/fs                                                -> 10.0.0.1
// Fallback for any fstype: the `addr=` superblock option (NFS and CIFS put the server's IP there).
// A replicated NFS source "h1,h2:/export" names several hosts: then addr= (the one in use) is preferred,
// else the first host.
// A mount a user made (a FUSE mount with user_id= not 0: user-mount.ts) names no server: its user wrote
// its source and type, and `subtype=sshfs,fsname=x@someserver:/` must not count it as someserver's.
// Host names are returned as written (not lowercased): the kernel's "nfs: server X not responding" lines
// use the same spelling as the mount, which is what they are matched against.
import type { MountEntry } from '../mount.js';
import { optionValue } from './options.js';
import { fuseMounter } from './user-mount.js';

const HOST_PATH_FSTYPES = new Set(['nfs', 'nfs3', 'nfs4', 'fuse.sshfs', 'sshfs', 'fuse.glusterfs', 'glusterfs']);
const UNC_FSTYPES = new Set(['cifs', 'smb3', 'smbfs', 'smb2', 'smb']);
const URL_FSTYPES = new Set(['davfs', 'webdav', 'fuse.davfs2', 'afpfs', 'fuse.afpfs']);

/** "[v6]rest" -> v6; "user@host" -> host. */
function stripUserAndBrackets(host: string): string {
  const at = host.lastIndexOf('@');
  let h = at >= 0 ? host.slice(at + 1) : host;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h;
}

/** "host:/path", "[v6]:/path", "user@host:path" -> host part, or undefined. */
function hostOfHostPath(source: string): string | undefined {
  let hostPart: string;
  if (source.startsWith('[') || source.includes('@[')) {
    const close = source.indexOf(']:');
    if (close < 0) return undefined;
    hostPart = source.slice(0, close + 1);
  } else {
    const colon = source.indexOf(':');
    if (colon <= 0) return undefined;
    hostPart = source.slice(0, colon);
  }
  const h = stripUserAndBrackets(hostPart);
  return h === '' ? undefined : h;
}

/** "//[user@]host/share" or "\\host\share" -> host. */
function hostOfUnc(source: string): string | undefined {
  const m = /^(?:\/\/|\\\\)([^/\\]+)/.exec(source);
  if (!m) return undefined;
  const h = stripUserAndBrackets(m[1]!);
  return h === '' ? undefined : h;
}

/** "scheme://[user@]host[:port]/..." -> host. */
function hostOfUrl(source: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(source);
  if (!m) return undefined;
  let auth = m[1]!;
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  if (auth.startsWith('[')) {
    const close = auth.indexOf(']');
    return close > 1 ? auth.slice(1, close) : undefined;
  }
  const colon = auth.indexOf(':');
  const h = colon >= 0 ? auth.slice(0, colon) : auth;
  return h === '' ? undefined : h;
}

/** The server a mount depends on, or undefined for local filesystems. */
export function serverOf(entry: Pick<MountEntry, 'fstype' | 'source' | 'superOptions'>): string | undefined {
  if (fuseMounter(entry)) return undefined;
  const { fstype, source } = entry;
  const addr = optionValue(entry.superOptions, 'addr');
  let host: string | undefined;
  if (HOST_PATH_FSTYPES.has(fstype)) host = hostOfHostPath(source);
  else if (UNC_FSTYPES.has(fstype)) host = hostOfUnc(source) ?? hostOfUrl(source);
  else if (URL_FSTYPES.has(fstype)) host = hostOfUrl(source) ?? hostOfUnc(source);
  else if (fstype === 'lustre') host = /^([^@:,]+)@/.exec(source)?.[1];
  if (host !== undefined && host.includes(',')) return addr ? stripUserAndBrackets(addr) : host.split(',')[0];
  if (host !== undefined) return host;
  return addr ? stripUserAndBrackets(addr) : undefined;
}

/** Groups mounts by server (local mounts are left out). Map order follows first appearance. */
export function groupByServer(entries: readonly MountEntry[]): Map<string, MountEntry[]> {
  const groups = new Map<string, MountEntry[]>();
  for (const e of entries) {
    const s = serverOf(e);
    if (s === undefined) continue;
    const g = groups.get(s);
    if (g) g.push(e);
    else groups.set(s, [e]);
  }
  return groups;
}
