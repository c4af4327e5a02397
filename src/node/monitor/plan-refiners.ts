// Per-sweep facts that need no probe, folded into the plan: automounter awareness (idle automounts left
// alone, autofs triggers never probed, a dead automount daemon reported) and NFS RPC counters from
// /proc/self/mountstats. Everything here reads /proc only; no mount is touched.
import { readFileSync } from 'node:fs';
import { nfsStatsByMountpoint, type ParsedMountstats } from '../../common/mountstats.js';
import type { AutomountInfo } from '../../common/mount.js';
import { createAutomountRefiner } from '../automount/refine-plan.js';
import type { AutomountDecision } from '../automount/policy.js';
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
  let decisions = new Map<number, AutomountDecision>();
  let live = new Set<number>();
  const automount = createAutomountRefiner({
    // Our probe children sit inside the mount they probe: they must not count as its users.
    excludePids: probePids,
    // Verified by the autofs pipe, so a reused pgrp number does not pass for a dead daemon.
    livePgrps: (entries) => (live = verifiedDaemonPgrps(entries)),
    onDecisions: (d) => (decisions = d),
  });
  return async (input) => {
    decisions = new Map();
    const plan = await automount(input);
    if (decisions.size > 0) {
      for (const item of plan.items) {
        const d = decisions.get(item.entry.mountId);
        if (!d) continue;
        item.annotations = { ...item.annotations, automount: automountInfo(d) };
        if (d.role === 'trigger' && d.daemonAlive === false) item.skip = { state: 'error', message: d.message ?? 'automount daemon is gone' };
      }
      for (const change of watch.update(daemonStatuses(plan.table, live))) {
        if (change.level === 'err') log().warning(change.line);
        else log().notice(change.line);
      }
    }
    if (plan.items.some((i) => i.entry.fstype.startsWith('nfs'))) {
      const stats = nfsStatsByMountpoint(await readStats());
      for (const item of plan.items) {
        // By mountpoint (mountstats has no mount ids), and only for NFS entries: a later local mount
        // on the same path must not borrow a covered NFS mount's counters.
        if (!item.entry.fstype.startsWith('nfs')) continue;
        const t = stats.get(item.entry.mountpoint)?.rpc?.totals;
        if (t) item.annotations = { ...item.annotations, nfs: { ops: t.ops, retransmissions: t.retransmissions, majorTimeouts: t.majorTimeouts, avgBacklog: t.avgBacklog } };
      }
    }
    return plan;
  };
}

function automountInfo(d: AutomountDecision): AutomountInfo {
  return {
    role: d.role,
    ...(d.map !== undefined ? { map: d.map } : {}),
    ...(d.autofsMountpoint !== undefined ? { autofsMountpoint: d.autofsMountpoint } : {}),
    ...(d.timeoutSeconds !== undefined ? { timeoutSeconds: d.timeoutSeconds } : {}),
    ...(d.strictexpire !== undefined ? { strictexpire: d.strictexpire } : {}),
    ...(d.busy !== undefined ? { busy: d.busy } : {}),
    ...(d.daemonAlive !== undefined ? { daemonAlive: d.daemonAlive } : {}),
    ...(d.daemonPgrp !== undefined ? { daemonPgrp: d.daemonPgrp } : {}),
  };
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
