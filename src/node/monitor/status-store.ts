// The latest status of every mount, by mount id, and when each went down. Pure bookkeeping: no timers, no
// logging. The kernel reuses mount ids (lowest free first), so a status stored under an id is a mount's
// past only while mountpoint, source and fstype still match (sameMount).
import type { MountEntry, MountState, MountStatus } from '../../common/mount.js';
import { isDown, isUnanswered } from '../../common/state-classes.js';

/** What a status update is: a probe's answer, the probe still unanswered (slow), or facts without a probe. */
export type UpdateKind = 'probe' | 'slow' | 'facts';

export interface Recorded {
  status: MountStatus;
  previous: MountStatus | undefined;
  /**
   * False when nothing about the mount changed: a fact-only update equal to what was stored, or an ok
   * probe whose answer differs only in its latency and time (stored, but no news).
   */
  changed: boolean;
  /** For a mount that is back up: how long it was down (ms). */
  downMs?: number;
}

/** Fields a slow or hung mount keeps from its last answer, so the last capacity is still shown. */
const KEPT_WHILE_UNANSWERED = ['capacity', 'blocked'] as const;

export class StatusStore {
  private readonly byId = new Map<number, MountStatus>();
  /** The one "down since": from a mount's first down state until it is up again (a status's `since` is its state's). */
  private readonly downSince = new Map<number, number>();

  /** The stored status of this very mount (not of an earlier mount that had its id). */
  get(entry: MountEntry): MountStatus | undefined {
    const stored = this.byId.get(entry.mountId);
    return stored && sameMount(stored, entry) ? stored : undefined;
  }

  all(): MountStatus[] {
    return [...this.byId.values()];
  }

  /**
   * Builds the mount's new status from the table entry, the plan's facts and the new fields, and stores
   * it unless it is a fact-only update that changes nothing.
   */
  record(entry: MountEntry, fields: Partial<MountStatus> & { state: MountState }, facts: Partial<MountStatus>, kind: UpdateKind, now: number): Recorded {
    const previous = this.get(entry);
    // Most answers, sweep after sweep: ok as before. The stored status takes the new latency and time in
    // place; a new status for each would be 10,000 objects of garbage a sweep at 10,000 mounts.
    if (kind === 'probe' && previous && onlyLatencyDiffers(previous, fields, facts)) {
      previous.latencyMs = fields.latencyMs;
      previous.checkedAt = now;
      return { status: previous, previous, changed: false };
    }
    const sameState = previous?.state === fields.state;
    const unanswered = isUnanswered(fields.state);
    const kept: Partial<MountStatus> = {};
    if (previous && unanswered) for (const k of KEPT_WHILE_UNANSWERED) if (previous[k] !== undefined) Object.assign(kept, { [k]: previous[k] });
    const status: MountStatus = {
      mountpoint: entry.mountpoint,
      source: entry.source,
      fstype: entry.fstype,
      mountId: entry.mountId,
      ...(previous?.server !== undefined ? { server: previous.server } : {}),
      ...kept,
      ...facts,
      ...fields,
      since: sameState && previous ? previous.since : now,
      ...(kind === 'probe' ? { checkedAt: now } : previous?.checkedAt !== undefined ? { checkedAt: previous.checkedAt } : {}),
    };
    if (kind === 'facts' && previous && equalData(previous, status)) return { status: previous, previous, changed: false };
    this.byId.set(entry.mountId, status);
    const down = isDown(status.state);
    let downMs: number | undefined;
    if (down && !this.downSince.has(entry.mountId)) this.downSince.set(entry.mountId, now);
    if (!down) {
      const since = this.downSince.get(entry.mountId);
      if (since !== undefined) downMs = now - since;
      this.downSince.delete(entry.mountId);
    }
    return { status, previous, changed: true, ...(downMs !== undefined ? { downMs } : {}) };
  }

  /** Forgets mounts no longer in the table (or whose id now belongs to another mount); returns them. */
  forgetMissing(present: ReadonlyMap<number, MountEntry>): MountStatus[] {
    const gone: MountStatus[] = [];
    for (const [id, status] of this.byId) {
      const now = present.get(id);
      if (!now || !sameMount(status, now)) {
        this.byId.delete(id);
        this.downSince.delete(id);
        gone.push(status);
      }
    }
    return gone;
  }
}

/**
 * Whether a status and a table entry with the same mount id are the same mount. Ids are reused after an
 * unmount; a mount moved elsewhere (mount --move) is treated as a new one.
 */
export function sameMount(a: Pick<MountEntry, 'mountpoint' | 'source' | 'fstype'>, b: Pick<MountEntry, 'mountpoint' | 'source' | 'fstype'>): boolean {
  return a.mountpoint === b.mountpoint && a.source === b.source && a.fstype === b.fstype;
}

/** Fields every status has besides its answer and facts (record() sets them). */
const ALWAYS = ['mountpoint', 'source', 'fstype', 'mountId', 'since'] as const;

/**
 * Whether an ok answer with these facts would make the very status stored but for its latency and time
 * (checkedAt): what record() would build, compared without building it.
 */
function onlyLatencyDiffers(previous: MountStatus, fields: Partial<MountStatus> & { state: MountState }, facts: Partial<MountStatus>): boolean {
  if (fields.state !== 'ok' || previous.state !== 'ok' || fields.latencyMs === undefined || previous.checkedAt === undefined) return false;
  const stored = previous as unknown as Record<string, unknown>;
  const given = facts as Record<string, unknown>;
  const answer = fields as Record<string, unknown>;
  // for…in, not Object.entries: this runs for every mount of every sweep, and must make no garbage.
  let keys = ALWAYS.length + 1; // and checkedAt
  for (const k in given) {
    if (k in answer) continue;
    if (!equalData(stored[k], given[k])) return false;
    keys++;
  }
  for (const k in answer) {
    if (k !== 'latencyMs' && !equalData(stored[k], answer[k])) return false;
    keys++;
  }
  // A server kept from an earlier status (record() keeps it when the facts name none).
  if (previous.server !== undefined && !('server' in given) && !('server' in answer)) keys++;
  let storedKeys = 0;
  for (const _k in stored) storedKeys++;
  return storedKeys === keys;
}

/** Deep equality of plain data (statuses hold only strings, numbers, booleans, arrays and plain objects). */
function equalData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // Counted with for…in rather than compared as Object.keys arrays: no garbage for a capacity per probe.
  let keys = 0;
  for (const k in ra) {
    if (!Object.hasOwn(rb, k) || !equalData(ra[k], rb[k])) return false;
    keys++;
  }
  for (const _k in rb) keys--;
  return keys === 0;
}
