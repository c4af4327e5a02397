// When to notify: a pure state machine fed MonitorEvents, with an injected clock. It returns the
// notifications to show; the caller sends them and calls flush() again at nextDueAt().
//
// - One notification per transition (well -> dead: "not responding"; dead -> answering: "recovered"),
//   never one per sweep: a mount that stays hung across sweeps, or goes hung -> stuck, says nothing new.
// - The mount holding the home directory gets its own notification, at once, critical, as soon as it is
//   `slow`: the programs waiting on it are named.
// - Other mounts are grouped per server for groupWindowMs (2 s): three exports of one NFS server that
//   fail together make one notification. A mount that fails and recovers inside that window never
//   reaches the user.
// - Rate limits: at most maxPerMount notifications per mount and maxOverall in total per rateWindowMs;
//   what they hold back becomes one "and K more" summary once the window has passed.
// - The home mount's NFS server degrading (far slower than its usual while the home still answers) gets one
//   normal-urgency notification per episode; none while the home is already down.
import type { MonitorEvent, Snapshot } from '../../common/monitor-api.js';
import type { MountStatus } from '../../common/mount.js';
import { isDead, isUnusable } from '../../common/state-classes.js';
import { serverOfStatus } from '../../common/status-view/server-of-status.js';
import { findHomeMount, normaliseHome } from '../app/home-mount.js';
import * as text from './messages.js';
import type { MountNotification } from './messages.js';

export type { MountNotification, Urgency } from './messages.js';

export interface PolicyOptions {
  /** The user's home directory (a string; never touched). */
  home?: string;
  now: () => number;
  groupWindowMs?: number;
  rateWindowMs?: number;
  maxPerMount?: number;
  maxOverall?: number;
}

type Kind = 'down' | 'recovered';

interface PendingGroup {
  kind: Kind;
  server: string | undefined;
  dueAt: number;
  mounts: Map<string, MountStatus>;
}

const POLICY_DEFAULTS = { groupWindowMs: 2000, rateWindowMs: 60_000, maxPerMount: 2, maxOverall: 6 } as const;

export class NotificationPolicy {
  private readonly now: () => number;
  private readonly home: string | undefined;
  private readonly groupWindowMs: number;
  private readonly rateWindowMs: number;
  private readonly maxPerMount: number;
  private readonly maxOverall: number;
  /** Latest status of every mount in the table. */
  private readonly known = new Map<string, MountStatus>();
  /** Mounts the user has been (or is about to be) told are dead. */
  private readonly down = new Set<string>();
  private readonly pending = new Map<string, PendingGroup>();
  private sent: number[] = [];
  /** When each mount was last notified of, by mountpoint; its degrading notices apart, under "degrading\0" + mountpoint. */
  private readonly sentPerMount = new Map<string, number[]>();
  private held: { since: number; changes: number; mountpoints: Set<string> } | undefined;
  /** The home mount whose degrading episode the user has been told of. */
  private homeDegrading: string | undefined;

  constructor(options: PolicyOptions) {
    this.now = options.now;
    this.home = normaliseHome(options.home);
    this.groupWindowMs = options.groupWindowMs ?? POLICY_DEFAULTS.groupWindowMs;
    this.rateWindowMs = options.rateWindowMs ?? POLICY_DEFAULTS.rateWindowMs;
    this.maxPerMount = options.maxPerMount ?? POLICY_DEFAULTS.maxPerMount;
    this.maxOverall = options.maxOverall ?? POLICY_DEFAULTS.maxOverall;
  }

  /** Feeds a first snapshot: mounts already dead at start are transitions the user has not heard of. */
  seed(snapshot: Snapshot): MountNotification[] {
    const out: MountNotification[] = [];
    for (const m of snapshot.mounts) out.push(...this.handle({ type: 'mount', mount: m, previous: null }));
    return out;
  }

  handle(event: MonitorEvent): MountNotification[] {
    if (event.type === 'removed') {
      this.known.delete(event.mountpoint);
      this.down.delete(event.mountpoint);
      for (const [key, g] of this.pending) {
        g.mounts.delete(event.mountpoint);
        if (g.mounts.size === 0) this.pending.delete(key);
      }
      return this.flush();
    }
    if (event.type !== 'mount') return this.flush();
    const m = event.mount;
    // Only the visible mount of a stacked mountpoint speaks for the path.
    if (m.state === 'covered') return this.flush();
    this.known.set(m.mountpoint, m);
    const wasDown = this.down.has(m.mountpoint);
    // The home mount is down once unusable (from `slow` on); slow -> hung is the same episode.
    const isHome = this.home !== undefined && m.mountpoint === this.homeMountpoint();
    const down = isHome ? isUnusable(m.state) : isDead(m.state);
    if (isHome) this.degradingHome(m, wasDown || down);
    if (!wasDown && down) {
      this.down.add(m.mountpoint);
      this.transition('down', m);
    } else if (wasDown && !isUnusable(m.state) && m.state !== 'unknown') {
      // Only a usable answer ends the episode: a dead mount whose next probe is slow has not recovered,
      // nor has one disconnected from its server (it fails at once instead of hanging).
      this.down.delete(m.mountpoint);
      this.transition('recovered', m);
    }
    return [...this.takeImmediate(), ...this.flush()];
  }

  /** Notifications due now (grouping windows that have closed, a summary whose window has passed). */
  flush(): MountNotification[] {
    const now = this.now();
    const out: MountNotification[] = [];
    for (const [key, g] of [...this.pending].sort((a, b) => a[1].dueAt - b[1].dueAt)) {
      if (g.dueAt > now) continue;
      this.pending.delete(key);
      const mounts = [...g.mounts.values()];
      const n = g.kind === 'down' ? text.mountsDown(mounts, g.server) : text.mountsRecovered(mounts, g.server);
      const sent = this.offer(n, mounts, now, (allowed) =>
        g.kind === 'down' ? text.mountsDown(allowed, g.server) : text.mountsRecovered(allowed, g.server),
      );
      if (sent) out.push(sent);
    }
    if (this.held && now >= this.held.since + this.rateWindowMs) {
      const held = this.held;
      this.held = undefined;
      const states = [...held.mountpoints].map((mp) => this.known.get(mp)).filter((m): m is MountStatus => m !== undefined);
      const homeMp = this.homeMountpoint();
      const homeDownNow = homeMp !== undefined && held.mountpoints.has(homeMp) && this.down.has(homeMp);
      if (states.length > 0) out.push(text.summary(held.changes, states, homeDownNow));
    }
    return out;
  }

  /** When flush() next has something to do, or undefined when nothing is waiting. */
  nextDueAt(): number | undefined {
    const times = [...this.pending.values()].map((g) => g.dueAt);
    if (this.held) times.push(this.held.since + this.rateWindowMs);
    return times.length ? Math.min(...times) : undefined;
  }

  private homeMountpoint(): string | undefined {
    return findHomeMount(this.home, this.known.values())?.mountpoint;
  }

  private transition(kind: Kind, m: MountStatus): void {
    const other: Kind = kind === 'down' ? 'recovered' : 'down';
    // A change that undoes one still waiting in its group window: the user never needs either.
    for (const [key, g] of this.pending) {
      if (g.kind === other && g.mounts.delete(m.mountpoint)) {
        if (g.mounts.size === 0) this.pending.delete(key);
        return;
      }
    }
    const now = this.now();
    if (this.home !== undefined && m.mountpoint === this.homeMountpoint()) {
      const n = kind === 'down' ? text.homeDown(m, this.home) : text.homeRecovered(m, this.home);
      // Not held back by other mounts' notifications (maxOverall): this is the one warning the user must
      // get before the desktop freezes. A flapping home is still held by its own per-mount limit.
      const sent = this.offer(n, [m], now, () => n, { overall: false });
      if (sent) this.immediate.push(sent);
      return;
    }
    const server = serverOfStatus(m);
    const key = `${kind}\0${server ?? `mount:${m.mountpoint}`}`;
    let g = this.pending.get(key);
    if (!g) {
      g = { kind, server, dueAt: now + this.groupWindowMs, mounts: new Map() };
      this.pending.set(key, g);
    }
    g.mounts.set(m.mountpoint, m);
  }

  /** One notification when the home's degrading episode begins, unless the home is down already. */
  private degradingHome(m: MountStatus, down: boolean): void {
    if (!m.degrading) {
      if (this.homeDegrading === m.mountpoint) this.homeDegrading = undefined;
      return;
    }
    if (this.homeDegrading === m.mountpoint) return;
    this.homeDegrading = m.mountpoint;
    if (down || this.home === undefined) return;
    const n = text.homeDegrading(m, this.home);
    // Counted apart from the home's down and back: it comes ahead of them, so an outage that follows
    // within the rate window still gets both (a flapping server's episodes are held by their own count).
    const sent = this.offer(n, [m], this.now(), () => n, { overall: false, counted: 'degrading' });
    if (sent) this.immediate.push(sent);
  }

  /** Home notifications made during handle(), returned before anything flush() finds. */
  private immediate: MountNotification[] = [];

  /**
   * Applies the rate limits. Mounts over their own limit are dropped from the notification (rebuilt by
   * `rebuild` for the rest); if none remain, or the overall limit is reached, it is held for the summary.
   */
  private offer(
    n: MountNotification,
    mounts: MountStatus[],
    now: number,
    rebuild: (allowed: MountStatus[]) => MountNotification,
    limits: { overall: boolean; counted?: 'degrading' } = { overall: true },
  ): MountNotification | undefined {
    const since = now - this.rateWindowMs;
    this.sent = this.sent.filter((t) => t > since);
    const key = (mp: string) => (limits.counted ? `${limits.counted}\0${mp}` : mp);
    const recent = (mp: string) => (this.sentPerMount.get(key(mp)) ?? []).filter((t) => t > since);
    const allowed = mounts.filter((m) => recent(m.mountpoint).length < this.maxPerMount);
    const heldBack = mounts.filter((m) => !allowed.includes(m));
    if (allowed.length === 0 || (limits.overall && this.sent.length >= this.maxOverall)) {
      this.hold(mounts, now);
      return undefined;
    }
    if (heldBack.length) this.hold(heldBack, now);
    this.sent.push(now);
    for (const m of allowed) this.sentPerMount.set(key(m.mountpoint), [...recent(m.mountpoint), now]);
    return allowed.length === mounts.length ? n : rebuild(allowed);
  }

  private hold(mounts: MountStatus[], now: number): void {
    this.held ??= { since: now, changes: 0, mountpoints: new Set() };
    this.held.changes += mounts.length;
    for (const m of mounts) this.held.mountpoints.add(m.mountpoint);
  }

  /** handle() result: immediate (home) notifications first, then whatever is due. */
  private takeImmediate(): MountNotification[] {
    const out = this.immediate;
    this.immediate = [];
    return out;
  }
}
