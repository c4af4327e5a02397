// Which mounts a sweep covers and how: probed, or reported without a probe (covered by a later mount on
// the same path; an idle automount). Pure: built from the parsed mount table and the scope options.
import type { MountEntry, MountState, MountTableProblem, ParsedMountTable } from '../../common/mount.js';
import { selectMounts, type CoveredMount } from '../../common/mount-table/scope.js';
import { serverOf } from '../../common/mount-table/server.js';

export interface ScopeOptions {
  /** Mountpoint globs or `fstype:PATTERN`; when given, only matching mounts are in scope. */
  include: string[];
  /** Mountpoint globs or `fstype:PATTERN` to leave out. */
  exclude: string[];
}

export interface PlanItem {
  entry: MountEntry;
  server?: string;
  /** Set when the mount is reported without a probe. */
  skip?: { state: Extract<MountState, 'covered' | 'idle'>; message: string };
}

export interface SweepPlan {
  /** In mount-table order. */
  items: PlanItem[];
  problems: MountTableProblem[];
  /** The whole table, for planners that need the autofs entries too. */
  table: MountEntry[];
}

export function planSweep(table: ParsedMountTable, scope: ScopeOptions): SweepPlan {
  const selection = selectMounts(table.entries, { include: scope.include, exclude: scope.exclude });
  const covered = new Map(selection.covered.map((c) => [c.entry.mountId, c]));
  const chosen = new Set([...selection.inScope.map((e) => e.mountId), ...covered.keys()]);
  const items: PlanItem[] = [];
  for (const entry of table.entries) {
    if (!chosen.has(entry.mountId)) continue;
    const server = serverOf(entry);
    items.push({
      entry,
      ...(server !== undefined ? { server } : {}),
      ...(covered.has(entry.mountId) ? { skip: { state: 'covered' as const, message: coveredMessage(covered.get(entry.mountId)!) } } : {}),
    });
  }
  return { items, problems: table.problems, table: table.entries };
}

function coveredMessage(c: CoveredMount): string {
  return c.how === 'same-path'
    ? `covered by a later mount on the same path (${c.by.fstype} from ${c.by.source})`
    : `unreachable: a path leading to it is covered by the mount on ${c.by.mountpoint}`;
}
