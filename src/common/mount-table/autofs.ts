// Automount trigger entries (fstype autofs) and the real mounts made on top of them.
//
// Linux (kernel Documentation/filesystems/autofs.rst, "Mount options"): the autofs superblock options are
//   fd=N         pipe to the automount daemon        pgrp=N      the daemon's process group
//   timeout=N    idle expiry in seconds (0 = none)   minproto=N, maxproto=N   protocol range
//   direct | indirect | offset                       strictexpire  a path walk does not refresh last_used
//   pipe_ino=N   (kernel 4.x+)                       ignore      hint for df-like tools to skip it
// and the source field is the map name: "auto.home", "/etc/auto.direct", "-hosts", or "systemd-1" for a
// systemd .automount unit (pgrp is then systemd's, 1).
//
// Real mounts: for an indirect map the automounted filesystem is mounted on a directory UNDER the autofs
// mountpoint (/home/bob on /home), its parent id being the autofs mount; for a direct (or offset) map it is
// mounted ON the autofs mountpoint itself, again with the autofs mount as parent. Either way: children by
// parent id. BSD/macOS (no ids, parentId -1): the children are found by path instead: later entries on the
// autofs mountpoint or below it whose nearest enclosing autofs mount (by path) is this one; such mounts also
// carry the "automounted" flag. On macOS/FreeBSD the listing says "map auto_home", so the map is the word
// after "map "; direct vs indirect is not shown there ("unknown").
import { isUnder } from './path-to-mount.js';
import type { MountEntry } from '../mount.js';
import { hasOption, optionValue } from './options.js';

export type AutofsType = 'direct' | 'indirect' | 'offset' | 'unknown';

export interface AutofsOptions {
  type: AutofsType;
  fd?: number;
  pgrp?: number;
  /** Idle expiry in seconds; 0 means never expire. */
  timeoutSeconds?: number;
  minproto?: number;
  maxproto?: number;
  pipeIno?: number;
  strictexpire: boolean;
  ignore: boolean;
}

export interface AutofsMount extends AutofsOptions {
  mountId: number;
  mountpoint: string;
  /** Map name: "auto.home", "/etc/auto.direct", "-hosts", "systemd-1", "auto_home" (macOS). */
  map: string;
  /** A systemd .automount unit rather than the automount daemon (map "systemd-N"). */
  systemd: boolean;
  /** mountIds of the real mounts made on top of this trigger (see the header). */
  children: number[];
}

function intOption(options: readonly string[], key: string): number | undefined {
  const v = optionValue(options, key);
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** True for an automount trigger entry. */
function isAutofs(entry: MountEntry): boolean {
  return entry.fstype === 'autofs';
}

/** Parses autofs superblock options (mountinfo field 11; BSD entries have none, so all unknown). */
export function parseAutofsOptions(superOptions: readonly string[]): AutofsOptions {
  const type: AutofsType = hasOption(superOptions, 'direct')
    ? 'direct'
    : hasOption(superOptions, 'indirect')
      ? 'indirect'
      : hasOption(superOptions, 'offset')
        ? 'offset'
        : 'unknown';
  const o: AutofsOptions = {
    type,
    strictexpire: hasOption(superOptions, 'strictexpire'),
    ignore: hasOption(superOptions, 'ignore'),
  };
  const fd = intOption(superOptions, 'fd');
  const pgrp = intOption(superOptions, 'pgrp');
  const timeout = intOption(superOptions, 'timeout');
  const minproto = intOption(superOptions, 'minproto');
  const maxproto = intOption(superOptions, 'maxproto');
  const pipeIno = intOption(superOptions, 'pipe_ino');
  if (fd !== undefined) o.fd = fd;
  if (pgrp !== undefined) o.pgrp = pgrp;
  if (timeout !== undefined) o.timeoutSeconds = timeout;
  if (minproto !== undefined) o.minproto = minproto;
  if (maxproto !== undefined) o.maxproto = maxproto;
  if (pipeIno !== undefined) o.pipeIno = pipeIno;
  return o;
}

/** The map name from the source field ("map auto_home" on macOS/FreeBSD -> "auto_home"). */
function autofsMapName(source: string): string {
  return source.startsWith('map ') ? source.slice(4) : source;
}

/** Every autofs entry, described, with the real mounts on top of it. */
export function describeAutofs(entries: readonly MountEntry[]): AutofsMount[] {
  const result: AutofsMount[] = [];
  const byMountId = new Map<number, AutofsMount>();
  const autofsIdx: number[] = [];
  entries.forEach((e, i) => {
    if (!isAutofs(e)) return;
    const map = autofsMapName(e.source);
    const d: AutofsMount = {
      mountId: e.mountId,
      mountpoint: e.mountpoint,
      map,
      systemd: /^systemd-\d+$/.test(map),
      ...parseAutofsOptions(e.superOptions),
      children: [],
    };
    result.push(d);
    byMountId.set(e.mountId, d);
    autofsIdx.push(i);
  });
  if (result.length === 0) return result;
  const useIds = entries.some((e) => e.parentId >= 0);
  entries.forEach((e, i) => {
    if (useIds) {
      const parent = byMountId.get(e.parentId);
      if (parent && e.mountId !== parent.mountId) parent.children.push(e.mountId);
      return;
    }
    // By path: the nearest (longest mountpoint) earlier autofs entry on or above this one.
    let best: number | undefined;
    for (const ai of autofsIdx) {
      if (ai >= i) break;
      const a = entries[ai]!;
      if (isUnder(e.mountpoint, a.mountpoint) && (best === undefined || a.mountpoint.length >= entries[best]!.mountpoint.length)) {
        best = ai;
      }
    }
    if (best !== undefined) byMountId.get(entries[best]!.mountId)!.children.push(e.mountId);
  });
  return result;
}

/**
 * The autofs trigger a mount was automounted on (its parent, if that is autofs), or undefined.
 * Needs parent ids (Linux); on BSD/macOS use isAutomounted() or describeAutofs().children.
 */
export function automountParentOf(entry: MountEntry, byId: ReadonlyMap<number, MountEntry>): MountEntry | undefined {
  if (entry.parentId < 0) return undefined;
  const parent = byId.get(entry.parentId);
  return parent && parent !== entry && isAutofs(parent) && !isAutofs(entry) ? parent : undefined;
}

/** True for a real filesystem the automounter made: on top of an autofs entry, or flagged "automounted" (BSD). */
export function isAutomounted(entry: MountEntry, byId: ReadonlyMap<number, MountEntry>): boolean {
  if (isAutofs(entry)) return false;
  return automountParentOf(entry, byId) !== undefined || entry.mountOptions.includes('automounted');
}

/** mountId -> entry, for automountParentOf(). */
export function indexById(entries: readonly MountEntry[]): Map<number, MountEntry> {
  const m = new Map<number, MountEntry>();
  for (const e of entries) m.set(e.mountId, e);
  return m;
}
