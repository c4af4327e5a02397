// Automounter awareness for a sweep plan: scan /proc for usage and daemons, decide per automount
// (policy.ts), and mark the ones not to probe as skipped with state 'idle'. Touches no mount.
import type { MountEntry } from '../../common/mount.js';
import type { SweepPlan } from '../monitor/sweep-plan.js';
import { classifyAutomounts, type AutomountDecision } from './policy.js';
import { verifiedDaemonPgrps } from './daemon-alive.js';
import { busyMountIds } from './usage.js';

/** Mounts with an autofs mount somewhere above them (by parent id): the ones whose usage matters. */
export function automountedIds(entries: readonly MountEntry[]): Set<number> {
  const byId = new Map(entries.map((e) => [e.mountId, e]));
  const out = new Set<number>();
  for (const e of entries) {
    if (e.fstype === 'autofs') continue;
    const seen = new Set<number>([e.mountId]);
    for (let p = byId.get(e.parentId); p && !seen.has(p.mountId); p = byId.get(p.parentId)) {
      seen.add(p.mountId);
      if (p.fstype === 'autofs') {
        out.add(e.mountId);
        break;
      }
    }
  }
  return out;
}

export interface AutomountRefineOptions {
  /** Default: busyMountIds() over /proc, excluding excludePids. */
  busy?: (entries: readonly MountEntry[], of: Set<number>) => Promise<Set<number>>;
  /** Process groups whose automount daemon is alive. Default: verifiedDaemonPgrps() over /proc. */
  livePgrps?: (entries: readonly MountEntry[]) => Set<number>;
  /** PIDs of our own probe children (they sit inside the mount they probe and must not count as use). */
  excludePids?: Iterable<number>;
}

export interface AutomountRefinement {
  /** The plan with idle automounts and autofs triggers skipped (state 'idle'), each annotated with its facts. */
  plan: SweepPlan;
  /** Per mount id: the decision for every autofs entry and every mount with an autofs mount above it. */
  decisions: Map<number, AutomountDecision>;
  /** Process groups of live automount daemons (empty when the table has no autofs entry). */
  livePgrps: Set<number>;
}

/**
 * Scans /proc for usage and daemons, decides per automount (policy.ts), and returns the plan with the
 * ones not to probe skipped. A table without autofs entries comes back as it is.
 */
export async function refineAutomounts(plan: SweepPlan, options: AutomountRefineOptions = {}): Promise<AutomountRefinement> {
  const entries = plan.table;
  if (!entries.some((e) => e.fstype === 'autofs')) return { plan, decisions: new Map(), livePgrps: new Set() };
  const of = automountedIds(entries);
  const busy = options.busy ? await options.busy(entries, of) : await busyMountIds({ entries, of, excludePids: options.excludePids ?? [] });
  const livePgrps = (options.livePgrps ?? verifiedDaemonPgrps)(entries);
  const decisions = classifyAutomounts(entries, busy, livePgrps);
  const items = plan.items.map((item) => {
    const d = decisions.get(item.entry.mountId);
    if (!d) return item;
    const { probe, state: _state, message, autofsMountId: _id, ...automount } = d;
    const annotated = { ...item, annotations: { ...item.annotations, automount } };
    // A trigger whose daemon is gone is an error, whatever the plan said (it had it as an idle trigger).
    if (d.role === 'trigger' && d.daemonAlive === false) return { ...annotated, skip: { state: 'error' as const, message: message ?? 'automount daemon is gone' } };
    if (item.skip) return annotated;
    if (!probe) return { ...annotated, skip: { state: 'idle' as const, message: message ?? 'automount: not probed' } };
    return annotated;
  });
  return { plan: { ...plan, items }, decisions, livePgrps };
}
