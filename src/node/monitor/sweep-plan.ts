// Which mounts a sweep covers and how: probed, or reported without a probe (covered by a later mount on
// the same path; an idle automount). Pure: built from the parsed mount table and the scope options.
import type { MountEntry, MountState, MountStatus, MountTableProblem, ParsedMountTable } from '../../common/mount.js';
import { describeAutofs } from '../../common/mount-table/autofs.js';
import { selectMounts, type CoveredMount, type ScopeOptions } from '../../common/mount-table/scope.js';
import { serverOf } from '../../common/mount-table/server.js';
import { optionValue } from '../../common/mount-table/options.js';
import { fuseMounter } from '../../common/mount-table/user-mount.js';


export interface PlanItem {
  entry: MountEntry;
  /** Facts known without a probe, kept on the mount's status (server and its address, automount role, NFS counters). */
  annotations: Pick<MountStatus, 'server' | 'serverAddress' | 'automount' | 'suspect' | 'mountedBy'>;
  /**
   * Set when the mount is reported without a probe: covered, an idle automount or an autofs trigger,
   * or an autofs trigger whose automount daemon is gone ('error'), or an NFS mount disconnected from its
   * server (its client shut down: everything on it fails at once).
   */
  skip?: { state: Extract<MountState, 'covered' | 'idle' | 'error' | 'disconnected'>; message: string };
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
  // autofs trigger entries in scope are shown (map, type, timeout) but never probed: a probe would mount them.
  const triggers = new Set(selection.excluded.filter((x) => x.reason === 'autofs').map((x) => x.entry.mountId));
  const autofs = triggers.size > 0 ? new Map(describeAutofs(table.entries).map((a) => [a.mountId, a])) : undefined;
  const chosen = new Set([...selection.inScope.map((e) => e.mountId), ...covered.keys(), ...triggers]);
  const items: PlanItem[] = [];
  for (const entry of table.entries) {
    if (!chosen.has(entry.mountId)) continue;
    const server = serverOf(entry);
    const mounter = fuseMounter(entry);
    const addr = server !== undefined ? optionValue(entry.superOptions, 'addr') : undefined;
    const annotations: PlanItem['annotations'] =
      server !== undefined ? { server, ...(addr ? { serverAddress: addr } : {}) } : mounter ? { mountedBy: mounter.uid } : {};
    const item: PlanItem = { entry, annotations };
    const c = covered.get(entry.mountId);
    if (c) item.skip = { state: 'covered', message: coveredMessage(c) };
    const a = autofs?.get(entry.mountId);
    if (triggers.has(entry.mountId)) {
      annotations.automount = {
        role: 'trigger',
        ...(a ? { map: a.map, ...(a.timeoutSeconds !== undefined ? { timeoutSeconds: a.timeoutSeconds } : {}), strictexpire: a.strictexpire } : {}),
      };
      item.skip = { state: 'idle', message: `autofs trigger (map ${a?.map ?? entry.source}${a ? `, ${a.type}` : ''}): never probed, a probe would mount it` };
    }
    items.push(item);
  }
  return { items, problems: table.problems, table: table.entries };
}

function coveredMessage(c: CoveredMount): string {
  return c.how === 'same-path'
    ? `covered by a later mount on the same path (${c.by.fstype} from ${c.by.source})`
    : `unreachable: a path leading to it is covered by the mount on ${c.by.mountpoint}`;
}
