// Per-sweep facts that need no probe, folded into the plan: automounter awareness (idle automounts left
// alone, autofs triggers never probed, a dead automount daemon reported) and NFS RPC counters from
// /proc/self/mountstats. Everything here reads /proc only; no mount is touched.
import { readFileSync } from 'node:fs';
import { nfsStatsByMountpoint, type ParsedMountstats } from '../../common/mountstats.js';
import { refineAutomounts } from '../automount/refine-plan.js';
import { DaemonWatch, daemonStatuses, verifiedDaemonPgrps } from '../automount/daemon-alive.js';
import { readMountstats } from '../passive/mountstats-reader.js';
import type { MonitorLog } from './monitor-log.js';
import type { SweepPlan } from './sweep-plan.js';

export function createPlanRefiner(
  log: () => MonitorLog,
  probePids: () => number[],
  readStats: () => Promise<ParsedMountstats> = readMountstats,
): (plan: SweepPlan) => Promise<SweepPlan> {
  const watch = new DaemonWatch();
  return async (input) => {
    // Verified by the autofs pipe, so a reused pgrp number does not pass for a dead daemon; our probe
    // children sit inside the mount they probe and do not count as its users.
    const automount = await refineAutomounts(input, { excludePids: probePids(), livePgrps: verifiedDaemonPgrps });
    if (automount.decisions.size > 0) {
      for (const change of watch.update(daemonStatuses(automount.plan.table, automount.livePgrps))) log().automountDaemon(change);
    }
    return withNfsCounters(automount.plan, readStats);
  };
}

/** NFS mounts get their RPC counters from /proc/self/mountstats (read only when the plan has NFS mounts). */
async function withNfsCounters(plan: SweepPlan, readStats: () => Promise<ParsedMountstats>): Promise<SweepPlan> {
  if (!plan.items.some((i) => i.entry.fstype.startsWith('nfs'))) return plan;
  const stats = nfsStatsByMountpoint(await readStats());
  const items = plan.items.map((item) => {
    // By mountpoint (mountstats has no mount ids), and only for NFS entries: a later local mount on the
    // same path must not borrow a covered NFS mount's counters.
    if (!item.entry.fstype.startsWith('nfs')) return item;
    const t = stats.get(item.entry.mountpoint)?.rpc?.totals;
    if (!t) return item;
    return { ...item, annotations: { ...item.annotations, nfs: { ops: t.ops, retransmissions: t.retransmissions, majorTimeouts: t.majorTimeouts, avgBacklog: t.avgBacklog } } };
  });
  return { ...plan, items };
}

/**
 * Every descendant of a process, from /proc/PID/task/PID/children (procfs, never a mount). The main
 * thread's list is enough: Node spawns children from its event-loop thread, and the fork server is
 * single-threaded.
 */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    let children = '';
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8');
    } catch {
      continue; // it ended meanwhile
    }
    for (const c of children.split(' ')) {
      if (c.trim() === '') continue;
      out.push(Number(c));
      queue.push(Number(c));
    }
  }
  return out;
}
