// Grouping and ordering of the status window's list: the home directory's mount pinned on top, then the
// groups with problems (worst first), then network servers by name, then local filesystems.
import type { MountStatus } from '../mount.js';
import { serverOfStatus } from './server-of-status.js';
import { isUnder } from '../mount-table/path-to-mount.js';
import { isProblem, severity } from '../state-classes.js';

export interface MountRow {
  status: MountStatus;
  /** The server for a network mount; undefined for a local one. */
  server?: string;
  /** True for the mount that holds the user's home directory. */
  home: boolean;
}

export interface MountGroup {
  /** Stable key: "home", "server:<name>" or "local". */
  key: string;
  kind: 'home' | 'server' | 'local';
  title: string;
  rows: MountRow[];
  problems: number;
}

/**
 * The mount that holds `homeDirectory`: the longest mountpoint that is a path prefix of it, taken from the
 * table only (never by touching the path). Of two mounts on the same path the uncovered one wins.
 */
export function homeMountOf(homeDirectory: string, mounts: Iterable<MountStatus>): MountStatus | undefined {
  let best: MountStatus | undefined;
  for (const m of mounts) {
    if (!isUnder(homeDirectory, m.mountpoint)) continue;
    if (!best || m.mountpoint.length > best.mountpoint.length) best = m;
    else if (m.mountpoint === best.mountpoint && best.state === 'covered' && m.state !== 'covered') best = m;
  }
  return best;
}

function compareRows(a: MountRow, b: MountRow): number {
  return severity(a.status.state) - severity(b.status.state) || a.status.mountpoint.localeCompare(b.status.mountpoint) || a.status.mountId - b.status.mountId;
}

function worst(group: MountGroup): number {
  return Math.min(...group.rows.map((r) => severity(r.status.state)));
}

/**
 * Groups mounts for display. `home` is the status of the home directory's mount (see homeMountOf); it is
 * listed alone on top and not again in its server's group.
 */
export function groupMounts(mounts: readonly MountStatus[], home: MountStatus | undefined): MountGroup[] {
  const groups = new Map<string, MountGroup>();
  let homeGroup: MountGroup | undefined;
  for (const status of mounts) {
    const server = serverOfStatus(status);
    const row: MountRow = { status, home: home !== undefined && status.mountId === home.mountId, ...(server ? { server } : {}) };
    let group: MountGroup;
    if (row.home) {
      homeGroup ??= { key: 'home', kind: 'home', title: 'Home directory', rows: [], problems: 0 };
      group = homeGroup;
    } else {
      const key = server ? `server:${server}` : 'local';
      group = groups.get(key) ?? { key, kind: server ? 'server' : 'local', title: server ?? 'Local filesystems', rows: [], problems: 0 };
      groups.set(key, group);
    }
    group.rows.push(row);
    if (isProblem(status.state)) group.problems++;
  }
  for (const g of groups.values()) g.rows.sort(compareRows);
  const rest = [...groups.values()].sort((a, b) => {
    const pa = a.problems > 0 ? 0 : 1;
    const pb = b.problems > 0 ? 0 : 1;
    if (pa !== pb) return pa - pb;
    if (pa === 0 && worst(a) !== worst(b)) return worst(a) - worst(b);
    const la = a.kind === 'local' ? 1 : 0;
    const lb = b.kind === 'local' ? 1 : 0;
    return la - lb || a.title.localeCompare(b.title);
  });
  return homeGroup ? [homeGroup, ...rest] : rest;
}
