// What admins are told when mounts change, and how often: each failure once per outage (the timeout's
// two lines, each errno), a recovery once, a stuck probe every ten minutes, one line per server outage,
// and for a mount that stops answering one `slow` line and one `blocked` line per episode, however often
// it flaps between slow and ok. A hard NFS mount times out every probe of its outage, and a soft one fails
// each with EIO: the outage, not each probe, is the news.
import type { BlockedProcesses, MountStatus } from '../../common/mount.js';
import { isDead, isFailing } from '../../common/state-classes.js';
import type { Denial, MonitorLog } from './monitor-log.js';

/** How often a still-stuck probe is logged again. */
const STUCK_RELOG_MS = 10 * 60_000;
/** A mount answering well for this long ends its episode: the next slow answer is news again. */
const EPISODE_QUIET_MS = 5 * 60_000;

export class TransitionLog {
  /** Per mount id: when its stuck probe was last logged (whether it is stuck, ProbeSlots says). */
  private readonly stuckLoggedAt = new Map<number, number>();
  private readonly serversDown = new Set<string>();
  /** Per mount id: when it was last failing, for episodes. */
  private readonly lastFailing = new Map<number, number>();
  /** Per mount id: what this episode has logged already. */
  private readonly episode = new Map<number, { slow: boolean; blocked: boolean }>();
  /** Per mount id, while it is down (from its first failure until it answers again): what was logged. */
  private readonly outage = new Map<number, { timedOut: boolean; errnos: Set<string> }>();

  constructor(
    private readonly log: () => MonitorLog,
    private readonly now: () => number,
  ) {}

  /**
   * A probe's answer (or its absence: slow) was recorded: log what is new. `downMs` is how long a mount
   * up again was down (StatusStore's); `unansweredMs` how long the probe of a slow mount has gone
   * unanswered; `denial` why a denied mount was.
   */
  recorded(status: MountStatus, previous: MountStatus | undefined, downMs: number | undefined, unansweredMs = 0, denial?: Denial): void {
    const was = previous?.state;
    const log = this.log();
    this.trackEpisode(status);
    if (!isFailing(status.state)) this.outage.delete(status.mountId);
    if (status.state === 'slow') {
      const ep = this.episode.get(status.mountId)!;
      if (!ep.slow && was !== 'slow') {
        ep.slow = true;
        log.slow(status.mountpoint, unansweredMs / 1000, status.server);
      }
    } else if (status.state === 'denied' && denial && (was !== 'denied' || previous?.message !== status.message)) {
      log.denied(status.mountpoint, denial);
    } else if (status.state === 'error') {
      const errno = status.errno ?? 'EIO';
      const { errnos } = this.outageOf(status.mountId);
      if (!errnos.has(errno)) {
        errnos.add(errno);
        log.failed(status.mountpoint, errno, status.message ?? '');
      }
    } else if (status.state === 'ok' && downMs !== undefined && previous && (isDead(previous.state) || previous.state === 'denied')) {
      log.recovered(status.mountpoint, downMs);
    }
  }

  /** A probe got no answer within the timeout and was sent SIGKILL: said once per outage. */
  timedOut(mountId: number, pid: number, mountpoint: string, timeoutSeconds: number): void {
    const outage = this.outageOf(mountId);
    if (outage.timedOut) return;
    outage.timedOut = true;
    this.log().timedOut(pid, mountpoint, timeoutSeconds);
  }

  /** Blocked processes were found on a mount that is not answering: once per episode. */
  blocked(status: MountStatus, blocked: BlockedProcesses): void {
    if (blocked.count === 0) return;
    this.trackEpisode(status);
    const ep = this.episode.get(status.mountId)!;
    if (ep.blocked) return;
    ep.blocked = true;
    this.log().blocked(status.mountpoint, status.server, blocked);
  }

  stuck(mount: Pick<MountStatus, 'mountId' | 'mountpoint'>, pid: number, stuckMs: number): void {
    const last = this.stuckLoggedAt.get(mount.mountId);
    if (last !== undefined && this.now() - last < STUCK_RELOG_MS) return;
    this.stuckLoggedAt.set(mount.mountId, this.now());
    this.log().stuck(pid, mount.mountpoint, stuckMs);
  }

  /** A killed probe's child exited: said only of one that was logged stuck (not one that died within the grace). */
  released(mount: Pick<MountStatus, 'mountId' | 'mountpoint'>, pid: number, stuckMs: number): void {
    if (this.stuckLoggedAt.delete(mount.mountId)) this.log().released(pid, mount.mountpoint, stuckMs);
  }

  /** One line when a server's mounts start failing and one when they are all back (not one per mount). */
  servers(mounts: readonly MountStatus[]): void {
    const dead = new Map<string, number>();
    for (const m of mounts) {
      // A disconnected mount fails at once whether its server is up or not: it says nothing about the server.
      if (m.server === undefined || m.state === 'disconnected') continue;
      dead.set(m.server, (dead.get(m.server) ?? 0) + (isDead(m.state) ? 1 : 0));
    }
    for (const [server, count] of dead) {
      if (count > 0 && !this.serversDown.has(server)) {
        this.serversDown.add(server);
        this.log().serverDown(server, count);
      } else if (count === 0 && this.serversDown.delete(server)) {
        this.log().serverUp(server);
      }
    }
  }

  forget(mountId: number): void {
    this.lastFailing.delete(mountId);
    this.episode.delete(mountId);
    this.outage.delete(mountId);
  }

  private outageOf(mountId: number): { timedOut: boolean; errnos: Set<string> } {
    let outage = this.outage.get(mountId);
    if (!outage) this.outage.set(mountId, (outage = { timedOut: false, errnos: new Set() }));
    return outage;
  }

  private trackEpisode(status: MountStatus): void {
    if (!isFailing(status.state)) return;
    const now = this.now();
    const last = this.lastFailing.get(status.mountId);
    if (last === undefined || now - last >= EPISODE_QUIET_MS) this.episode.set(status.mountId, { slow: false, blocked: false });
    this.lastFailing.set(status.mountId, now);
  }
}
