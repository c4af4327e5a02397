// What one client may see. Mount states are for everyone (the mount table is world-readable), but which
// programs another user is running is theirs: a non-root client sees only its own user's blocked
// processes, and the others only as the count.
import type { MonitorEvent, Snapshot } from '../../common/monitor-api.js';
import type { MountStatus } from '../../common/mount.js';

function statusFor(status: MountStatus, uid: number): MountStatus {
  const blocked = status.blocked;
  if (uid === 0 || !blocked || blocked.processes.every((p) => p.uid === uid)) return status;
  return { ...status, blocked: { ...blocked, processes: blocked.processes.filter((p) => p.uid === uid) } };
}

export function snapshotFor(snapshot: Snapshot, uid: number): Snapshot {
  return uid === 0 ? snapshot : { ...snapshot, mounts: snapshot.mounts.map((m) => statusFor(m, uid)) };
}

/** The event as this uid may see it: the same object when nothing is hidden from it. */
export function eventFor(event: MonitorEvent, uid: number): MonitorEvent {
  if (event.type !== 'mount') return event;
  const mount = statusFor(event.mount, uid);
  return mount === event.mount ? event : { ...event, mount };
}
