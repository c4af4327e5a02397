// Per-sweep facts that need no probe, folded into the plan: automounter awareness (idle automounts left
// alone, autofs triggers never probed, a dead automount daemon reported), and NFS mounts disconnected
// from their server (their client shut down: never probed again). (NFS counters: nfs-rpc-watch.ts.) Everything here reads /proc and /sys only; no mount is touched.
import { readFileSync } from 'node:fs';
import { refineAutomounts } from '../automount/refine-plan.js';
import { DaemonWatch, daemonStatuses, verifiedDaemonPgrps } from '../automount/daemon-alive.js';
import { isNfsClientFstype, readShutdown, serverAddress, serverAnswers, shutdownKnob } from '../passive/nfs-shutdown.js';
import type { MonitorLog } from './monitor-log.js';
import type { SweepPlan } from './sweep-plan.js';

/** How often the server of a disconnected mount is tried (a TCP connect), at most. */
const SERVER_CHECK_MS = 5000;

export function createPlanRefiner(
  log: () => MonitorLog,
  probePids: () => number[],
  nfsSysfs?: string,
): (plan: SweepPlan) => Promise<SweepPlan> {
  const watch = new DaemonWatch();
  const disconnected = new DisconnectedWatch(nfsSysfs);
  return async (input) => {
    // Verified by the autofs pipe, so a reused pgrp number does not pass for a dead daemon; our probe
    // children sit inside the mount they probe and do not count as its users.
    const automount = await refineAutomounts(input, { excludePids: probePids(), livePgrps: verifiedDaemonPgrps });
    if (automount.decisions.size > 0) {
      for (const change of watch.update(daemonStatuses(automount.plan.table, automount.livePgrps))) log().automountDaemon(change);
    }
    return disconnected.refine(automount.plan, log);
  };
}

/**
 * NFS mounts whose client was shut down (nfs-shutdown.ts) are reported `disconnected` without a probe:
 * everything on them fails at once, for good, and that is not news each sweep. Their server is tried in
 * the background (never holding up a sweep: a dead server costs a connect timeout), at most every
 * SERVER_CHECK_MS; when it answers again that is said once, with what to do (remount: no undo).
 */
class DisconnectedWatch {
  /** Per disconnected mount ("id device"): whether its server answered the last try, and when that was. */
  private readonly servers = new Map<string, { answers: boolean; at: number; trying: boolean }>();

  constructor(private readonly sysfs?: string) {}

  async refine(plan: SweepPlan, log: () => MonitorLog): Promise<SweepPlan> {
    const nfs = plan.items.filter((i) => isNfsClientFstype(i.entry.fstype) && i.skip?.state !== 'covered');
    if (nfs.length === 0) return plan;
    const shut = new Map<number, string>();
    const seen = new Set<string>();
    await Promise.all(
      nfs.map(async ({ entry, annotations }) => {
        if ((await readShutdown(entry.device, this.sysfs)) !== true) return;
        const key = `${entry.mountId} ${entry.device}`;
        seen.add(key);
        const server = this.servers.get(key) ?? { answers: false, at: 0, trying: false };
        this.servers.set(key, server);
        const address = serverAddress(entry);
        if (address && !server.trying && Date.now() - server.at >= SERVER_CHECK_MS) {
          server.trying = true;
          void serverAnswers(address).then((answers) => {
            if (answers && !server.answers && this.servers.get(key) === server) log().disconnectedServerBack(entry.mountpoint, annotations.server ?? address.host);
            Object.assign(server, { answers, at: Date.now(), trying: false });
          });
        }
        const knob = shutdownKnob(entry.device, this.sysfs);
        shut.set(
          entry.mountId,
          server.answers
            ? `its server answers again, but this mount stays disconnected (${knob} has no undo): unmount it and mount it again`
            : `disconnected from its server (${knob}): everything on it fails at once until it is mounted again`,
        );
      }),
    );
    for (const key of this.servers.keys()) if (!seen.has(key)) this.servers.delete(key);
    if (shut.size === 0) return plan;
    const items = plan.items.map((item) => {
      const message = shut.get(item.entry.mountId);
      return message === undefined ? item : { ...item, skip: { state: 'disconnected' as const, message } };
    });
    return { ...plan, items };
  }
}

/**
 * Every descendant of a process, from /proc/PID/task/PID/children (procfs, never a mount). The main
 * thread's list is enough: Node spawns children from its event-loop thread, and the prober is
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
