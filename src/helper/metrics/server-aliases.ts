// One name per server across the fleet, for the metrics' `server` label. Hosts mount the same server under
// different names (nfs1, nfs1.example.org, 10.0.0.5, an old CNAME): grouped by the name each mount wrote,
// one dead server would be several alerts. The config's server-alias lines say which spellings are one
// server and the name to show:
//
//   server-alias = nfs1 nfs1.example.org 10.0.0.5 fd00::5
//
// A mount joins nfs1 when the server its source names is one of those spellings, or when the address the
// kernel connected to (the `addr=` option it records for NFS and CIFS mounts) is: so for NFS and CIFS,
// listing the server's addresses is enough, whatever names the hosts used. Spellings are compared without
// case and without a trailing dot (DNS names), IPv6 addresses without brackets. Nothing is looked up (a
// resolver can hang). A mount without a server (local, or a user's own FUSE mount, whose source its user
// wrote) stays without one: an alias never gives a server to it. With no alias for it, a server keeps the
// name its mount wrote.
import type { MountStatus } from '../../common/mount.js';
import { SettingsError } from '../../node/config/settings.js';

/** spelling (normalised) -> the name shown. */
export type ServerAliases = ReadonlyMap<string, string>;

const normalise = (spelling: string) => spelling.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();

// Host names, IPv4 and IPv6 addresses: no spaces, quotes, slashes or control characters.
const SPELLING = /^[A-Za-z0-9._:%\-[\]]+$/;

/** The table from server-alias values as written; a clear error for a bad line or a spelling claimed twice. */
export function parseServerAliases(values: readonly { value: string; where: string }[]): ServerAliases {
  const table = new Map<string, string>();
  for (const { value, where } of values) {
    const words = value.split(/\s+/).filter(Boolean);
    if (words.length < 2) throw new SettingsError(`${where}: server-alias needs the name to show and at least one other spelling, e.g. "nfs1 nfs1.example.org 10.0.0.5", got ${JSON.stringify(value)}`);
    const bad = words.find((w) => !SPELLING.test(w));
    if (bad !== undefined) throw new SettingsError(`${where}: server-alias: ${JSON.stringify(bad)} is not a host name or address`);
    const name = words[0]!;
    for (const w of words) {
      const key = normalise(w);
      const taken = table.get(key);
      if (taken !== undefined && taken !== name) throw new SettingsError(`${where}: server-alias: ${w} is already a spelling of ${taken}`);
      table.set(key, name);
    }
  }
  return table;
}

/** The server a mount's series carry: its alias's name, else the name its mount wrote; "" for none. */
export function fleetServerName(m: Pick<MountStatus, 'server' | 'serverAddress'>, aliases: ServerAliases): string {
  if (m.server === undefined) return '';
  if (aliases.size === 0) return m.server;
  return aliases.get(normalise(m.server)) ?? (m.serverAddress !== undefined ? aliases.get(normalise(m.serverAddress)) : undefined) ?? m.server;
}
