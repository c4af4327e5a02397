// Wiring for the monitor's `refinePlan` hook: each sweep, scan /proc for usage and daemons, decide per
// automount (policy.ts), and mark the ones not to probe as skipped with state 'idle'. Touches no mount.
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

export interface AutomountRefinerOptions {
  /** Default: busyMountIds() over /proc, excluding excludePids(). */
  busy?: (entries: readonly MountEntry[], of: Set<number>) => Promise<Set<number>>;
  /** Process groups whose automount daemon is alive. Default: verifiedDaemonPgrps() over /proc. */
  livePgrps?: (entries: readonly MountEntry[]) => Set<number>;
  /** PIDs of our own probe children (they sit inside the mount they probe and must not count as use). */
  excludePids?: () => Iterable<number>;
  /** Receives every sweep's decisions (for status fields, JSON, the daemon-alive log). */
  onDecisions?: (decisions: Map<number, AutomountDecision>, entries: readonly MountEntry[]) => void;
}

/** Returns a `refinePlan` for the Monitor: idle automounts and autofs triggers become skip {state:'idle'}. */
export function createAutomountRefiner(options: AutomountRefinerOptions = {}): (plan: SweepPlan) => Promise<SweepPlan> {
  return async (plan) => {
    const entries = plan.table;
    if (!entries.some((e) => e.fstype === 'autofs')) return plan;
    const of = automountedIds(entries);
    const busy = options.busy
      ? await options.busy(entries, of)
      : await busyMountIds({ entries, of, excludePids: options.excludePids?.() ?? [] });
    const decisions = classifyAutomounts(entries, busy, (options.livePgrps ?? verifiedDaemonPgrps)(entries));
    options.onDecisions?.(decisions, entries);
    return {
      ...plan,
      items: plan.items.map((item) => {
        const d = decisions.get(item.entry.mountId);
        if (!d || d.probe || item.skip) return item;
        return { ...item, skip: { state: 'idle' as const, message: d.message ?? 'automount: not probed' } };
      }),
    };
  };
}
