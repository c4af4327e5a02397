// Which automount-related mounts may be probed this sweep. Pure: mount table + /proc facts in, decisions out.
//
// Why we hold back (kernel Documentation/filesystems/autofs.rst, "Mountpoint expiry"): autofs keeps a
// `last_used` stamp per key and refreshes it "during path walks" through the autofs directory. A probe
// stat()s and lists the mountpoint, i.e. walks through that key, so probing an idle automount every sweep
// keeps it mounted forever, and a dead server then hurts everyone again (the automounter exists to avoid
// exactly that). AT_NO_AUTOMOUNT would only stop a NEW mount, not the refresh. So:
//
// - trigger points (the autofs entries themselves) are never probed: probing one mounts its map key, and
//   an unmounted key is no mount at all, so nothing in the table names it and nothing here can reach it.
// - a real mount with an autofs mount above it is probed only while it is busy (an open file, a cwd or a
//   mapping inside it or inside a mount below it: usage.ts) — then it cannot expire anyway — or when every
//   autofs mount on its path has `strictexpire` (a path walk does not refresh last_used there) or timeout 0
//   (it never expires). Otherwise it is reported as state 'idle' and left alone so it can expire.
//
// Every walk from / to the mount crosses one key of each autofs mount above it, so each must be safe.
import type { AutomountInfo, MountEntry } from '../../common/mount.js';
import { describeAutofs, type AutofsMount } from '../../common/mount-table/autofs.js';

/**
 * What a sweep decides about one automount-related mount: the facts its status carries (AutomountInfo),
 * and whether to probe it now.
 */
export interface AutomountDecision extends AutomountInfo {
  /** False: do not probe this mount now (report `state`/`message` instead). */
  probe: boolean;
  /** 'idle' for an automounted filesystem left alone so it can expire. */
  state?: 'idle';
  message?: string;
  autofsMountId?: number;
}

/** How an autofs mount's daemon is doing, from its pgrp= option and the live process groups. */
export function daemonAliveFor(a: Pick<AutofsMount, 'pgrp'>, livePgrps: ReadonlySet<number>): boolean | undefined {
  // pgrp=0: the daemon's group is not visible from our pid namespace (pid_vnr() gives 0): we cannot tell.
  if (a.pgrp === undefined || a.pgrp <= 0) return undefined;
  return livePgrps.has(a.pgrp);
}

function autofsFacts(a: AutofsMount, livePgrps: ReadonlySet<number>): Partial<AutomountDecision> {
  const alive = daemonAliveFor(a, livePgrps);
  return {
    map: a.map,
    autofsMountpoint: a.mountpoint,
    autofsMountId: a.mountId,
    ...(a.timeoutSeconds !== undefined ? { timeoutSeconds: a.timeoutSeconds } : {}),
    strictexpire: a.strictexpire,
    ...(alive !== undefined ? { daemonAlive: alive } : {}),
    ...(a.pgrp !== undefined ? { daemonPgrp: a.pgrp } : {}),
  };
}

/** True when a walk through this autofs mount never refreshes last_used in a way that matters. */
function walkIsHarmless(a: AutofsMount): boolean {
  return a.strictexpire || a.timeoutSeconds === 0;
}

/**
 * Decides, for every autofs entry and every mount with an autofs mount above it, whether to probe it.
 * Mounts with no autofs mount above them are absent from the result: probe them as usual.
 *
 * @param entries   the mount table (mount-table order)
 * @param busy      mount ids in use (usage.ts busyMountIds(): includes the ancestors of used mounts)
 * @param livePgrps process groups with at least one live process (daemon-alive.ts livePgrps())
 */
export function classifyAutomounts(
  entries: readonly MountEntry[],
  busy: ReadonlySet<number>,
  livePgrps: ReadonlySet<number>,
): Map<number, AutomountDecision> {
  const out = new Map<number, AutomountDecision>();
  const autofs = describeAutofs(entries);
  if (autofs.length === 0) return out;
  const autofsById = new Map(autofs.map((a) => [a.mountId, a]));
  const byId = new Map(entries.map((e) => [e.mountId, e]));

  for (const a of autofs) {
    const facts = autofsFacts(a, livePgrps);
    const message =
      facts.daemonAlive === false
        ? deadDaemonMessage({ pgrp: a.pgrp, mountpoint: a.mountpoint, catatonic: isCatatonic(a) })
        : `autofs trigger (map ${a.map}, ${a.type}): never probed, a probe would mount it`;
    out.set(a.mountId, { role: 'trigger', probe: false, message, ...facts });
  }

  // BSD/macOS tables have no parent ids: describeAutofs() found the children by path; one level only.
  const parentsKnown = entries.some((e) => e.parentId >= 0);
  const childOf = new Map<number, AutofsMount>();
  if (!parentsKnown) for (const a of autofs) for (const c of a.children) childOf.set(c, a);

  for (const e of entries) {
    if (autofsById.has(e.mountId)) continue;
    // Every autofs mount between / and this mount, nearest first.
    const above: AutofsMount[] = [];
    if (parentsKnown) {
      const seen = new Set<number>([e.mountId]);
      for (let p = byId.get(e.parentId); p && !seen.has(p.mountId); p = byId.get(p.parentId)) {
        seen.add(p.mountId);
        const a = autofsById.get(p.mountId);
        if (a) above.push(a);
      }
    } else {
      const a = childOf.get(e.mountId);
      if (a) above.push(a);
    }
    const nearest = above[0];
    if (!nearest) continue;
    const isBusy = busy.has(e.mountId);
    const free = above.every(walkIsHarmless);
    const d: AutomountDecision = { role: 'automounted', probe: isBusy || free, busy: isBusy, ...autofsFacts(nearest, livePgrps) };
    if (!d.probe) {
      d.state = 'idle';
      d.message = idleMessage(nearest);
    }
    out.set(e.mountId, d);
  }
  return out;
}

function idleMessage(a: Pick<AutofsMount, 'timeoutSeconds'>): string {
  const t = a.timeoutSeconds === undefined ? '' : ` (timeout ${a.timeoutSeconds} s)`;
  return `automounted, idle: left alone so it can expire${t}`;
}

/**
 * The kernel turns an autofs mount "catatonic" once a write to the daemon's pipe fails (autofs.rst,
 * "Catatonic mode"); mountinfo then shows fd=-1 (and pipe_ino=-1).
 */
export function isCatatonic(a: Pick<AutofsMount, 'fd' | 'pipeIno'>): boolean {
  return a.fd === -1 || a.pipeIno === -1;
}

/**
 * What a dead daemon means: catatonic, accesses fail; before that, the next access has nobody to answer
 * it. The trigger's status message, and the log's line (src/helper/log/lines.ts, with the path escaped).
 */
export function deadDaemonMessage(d: { pgrp: number | undefined; mountpoint: string; catatonic: boolean }): string {
  return d.catatonic
    ? `automount daemon (pgrp ${d.pgrp}) is gone and autofs went catatonic: new accesses under ${d.mountpoint} fail (ENOENT) instead of mounting`
    : `automount daemon (pgrp ${d.pgrp}) is gone: new accesses under ${d.mountpoint} will hang or fail`;
}
