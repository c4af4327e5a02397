// Which mounts a sweep probes.
//
// Default scope: every mount except kernel pseudo-filesystems (PSEUDO_FSTYPES) and autofs trigger entries
// (fstype "autofs"). The real filesystems an automounter mounts on top of autofs (nfs, ...) are in scope
// like any other; the monitor decides when probing them would defeat idle expiry.
//
// Patterns, as given to --include / --exclude:
//   /srv/**            a mountpoint glob (glob.ts), matched against the full decoded mountpoint
//   fstype:nfs*        a glob on the filesystem type ("fstype:" prefix), e.g. fstype:fuse.* or fstype:nfs4
// includeFstypes / excludeFstypes take fstype globs without the prefix (a config file's lists).
//
// Rules, in order:
//   1. excluded by an exclude pattern (mountpoint or fstype)                → excluded, reason "exclude"
//   2. includes given of a kind (mountpoint globs, fstype globs) and the entry
//      matches none of that kind (kinds are ANDed, patterns within a kind ORed) → excluded, "not-included"
//   3. fstype autofs: a trigger point, never probed: a stat of a direct-map trigger mounts it (autofs.rst)
//                                                                           → excluded, "autofs"
//   4. a pseudo fstype, unless an fstype include names it exactly, without wildcards (fstype:proc;
//      fstype:nfs* does not bring back nfsd, nor fstype:* everything)      → excluded, "pseudo"
//   5. hidden behind another mount (covered.ts)                            → covered (not probed)
//   6. otherwise                                                            → inScope
// A mountpoint glob alone never brings a pseudo filesystem back: "--include '/**'" means "all real mounts".
import type { MountEntry } from '../mount.js';
import { findCovered, type CoveredMount } from './covered.js';
import { matchGlob } from './glob.js';

export type { CoveredMount } from './covered.js';

/**
 * Kernel pseudo-filesystems: no storage behind them, nothing to go stale, not worth a probe. tmpfs,
 * devtmpfs and ramfs are kept in scope on purpose: they are real, cheap to probe, and users mount them.
 * FUSE types (fuse.*) are kept: any FUSE daemon can hang. Includes the BSD/macOS names (devfs, fdescfs,
 * procfs, linprocfs, linsysfs, mqueuefs).
 */
export const PSEUDO_FSTYPES: ReadonlySet<string> = new Set([
  // Linux
  'proc', 'sysfs', 'cgroup', 'cgroup2', 'cpuset', 'devpts', 'tracefs', 'debugfs', 'securityfs', 'pstore',
  'bpf', 'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'binfmt_misc', 'efivarfs', 'nsfs', 'rpc_pipefs',
  'selinuxfs', 'smackfs', 'apparmorfs', 'nfsd', 'rootfs', 'resctrl', 'xenfs', 'usbfs', 'functionfs',
  'gadgetfs', 'ipathfs', 'oprofilefs', 'openpromfs', 'pipefs', 'sockfs', 'anon_inodefs',
  // FreeBSD / macOS
  'devfs', 'fdescfs', 'procfs', 'linprocfs', 'linsysfs', 'mqueuefs',
]);

/** Filesystem type of automount trigger entries; never probed (see autofs.ts). */
export const AUTOFS_FSTYPE = 'autofs';

export interface ScopeOptions {
  /** Mountpoint globs, or "fstype:GLOB". Empty = everything (subject to the defaults). */
  include: readonly string[];
  /** Mountpoint globs, or "fstype:GLOB". */
  exclude: readonly string[];
  includeFstypes?: readonly string[];
  excludeFstypes?: readonly string[];
}

export type ExclusionReason = 'exclude' | 'not-included' | 'autofs' | 'pseudo';

export interface ExcludedMount {
  entry: MountEntry;
  reason: ExclusionReason;
  /** The pattern that excluded it (reason "exclude"). */
  pattern?: string;
}

export interface MountSelection {
  /** Mounts to probe, in table order. */
  inScope: MountEntry[];
  /** In scope but hidden behind another mount: reported as "covered", never probed. */
  covered: CoveredMount[];
  /** Out of scope, with why. */
  excluded: ExcludedMount[];
}

const FSTYPE_PREFIX = 'fstype:';

interface SplitPatterns {
  paths: string[];
  fstypes: string[];
}

function split(patterns: readonly string[], extraFstypes: readonly string[] | undefined): SplitPatterns {
  const paths: string[] = [];
  const fstypes: string[] = [...(extraFstypes ?? [])];
  for (const p of patterns) {
    if (p.startsWith(FSTYPE_PREFIX)) fstypes.push(p.slice(FSTYPE_PREFIX.length));
    else paths.push(p);
  }
  return { paths, fstypes };
}

/** True when the mount matches one of the patterns: mountpoint globs or `fstype:PATTERN`. */
export function matchesAnyPattern(patterns: readonly string[], entry: Pick<MountEntry, 'mountpoint' | 'fstype'>): boolean {
  return patterns.some((p) => (p.startsWith(FSTYPE_PREFIX) ? matchGlob(p.slice(FSTYPE_PREFIX.length), entry.fstype) : matchGlob(p, entry.mountpoint)));
}

/** True for kernel pseudo-filesystems (the default scope leaves them out). */
export function isPseudoFstype(fstype: string): boolean {
  return PSEUDO_FSTYPES.has(fstype);
}

/** Sorts the mount table into what to probe, what is covered, and what is out of scope. Never throws. */
export function selectMounts(entries: readonly MountEntry[], options: ScopeOptions): MountSelection {
  const inc = split(options.include, options.includeFstypes);
  const exc = split(options.exclude, options.excludeFstypes);
  const covered = findCovered(entries);
  const selection: MountSelection = { inScope: [], covered: [], excluded: [] };
  entries.forEach((entry, i) => {
    const byPath = exc.paths.find((p) => matchGlob(p, entry.mountpoint));
    if (byPath !== undefined) return selection.excluded.push({ entry, reason: 'exclude', pattern: byPath });
    const byType = exc.fstypes.find((p) => matchGlob(p, entry.fstype));
    if (byType !== undefined) {
      return selection.excluded.push({ entry, reason: 'exclude', pattern: FSTYPE_PREFIX + byType });
    }
    if (inc.paths.length > 0 && !inc.paths.some((p) => matchGlob(p, entry.mountpoint))) {
      return selection.excluded.push({ entry, reason: 'not-included' });
    }
    const typeIncluded = inc.fstypes.some((p) => matchGlob(p, entry.fstype));
    if (inc.fstypes.length > 0 && !typeIncluded) return selection.excluded.push({ entry, reason: 'not-included' });
    if (entry.fstype === AUTOFS_FSTYPE) return selection.excluded.push({ entry, reason: 'autofs' });
    if (isPseudoFstype(entry.fstype) && !inc.fstypes.includes(entry.fstype)) return selection.excluded.push({ entry, reason: 'pseudo' });
    const c = covered.get(i);
    if (c) return selection.covered.push(c);
    selection.inScope.push(entry);
  });
  return selection;
}
