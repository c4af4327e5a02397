// The monitor: sweeps the mount table, probes each mount in a child (never here), keeps every mount's
// status as data, pushes changes to subscribers and tells admins through a MonitorLog.
//
// It never touches a mountpoint itself: it reads /proc/self/mountinfo (procfs) and asks the Prober,
// whose children are the only processes that stat or list a mount.
import type { MonitorApi, MonitorEvent, MonitorIdentity, RecheckResult, Snapshot, SweepSummary } from '../../common/monitor-api.js';
import { isDead, type MountEntry, type MountState, type MountStatus, type ParsedMountTable, type SweepReport } from '../../common/mount.js';
import type { Prober, ProbeResult } from '../probe/prober.js';
import { ProbeSlots } from './probe-slots.js';
import { optionValue } from '../../common/mount-table/options.js';
import { silentMonitorLog, type MonitorLog } from './monitor-log.js';
import { planSweep, type ScopeOptions, type SweepPlan } from './sweep-plan.js';
import { statusFromProbe } from './status-from-probe.js';

export interface MonitorOptions extends ScopeOptions {
  /** Seconds between sweeps when started with start(). */
  intervalSeconds: number;
  /** Seconds a probe may take before it is killed and its mount reported hung. */
  timeoutSeconds: number;
  mode: MonitorIdentity['mode'];
  log?: MonitorLog;
  /** Made on first use; closed by stop(). */
  prober?: Prober;
  createProber?: () => Prober;
  readMountTable?: () => Promise<ParsedMountTable>;
  /** Extra per-sweep planning (automounter awareness): may mark mounts idle so they are not probed. */
  refinePlan?: (plan: SweepPlan) => Promise<SweepPlan> | SweepPlan;
  now?: () => number;
  version?: string;
  /** Most probes started at once; the rest wait for a free place (a hung one frees its place at the timeout). */
  maxConcurrentProbes?: number;
}

/** How often a still-stuck probe is logged again. */
const STUCK_RELOG_MS = 10 * 60_000;

export class RecheckError extends Error {
  constructor(message: string, readonly code: 'not-a-mountpoint' | 'sweep-failed') {
    super(message);
    this.name = 'RecheckError';
  }
}

export class Monitor implements MonitorApi {
  private opts: MonitorOptions;
  private readonly log: MonitorLog;
  private readonly now: () => number;
  private readonly slots: ProbeSlots;
  private readonly listeners = new Set<(event: MonitorEvent) => void>();
  /** Latest status per mount id, in mount-table order. */
  private statuses = new Map<number, MountStatus>();
  private planById = new Map<number, SweepPlan['items'][number]>();
  private lastSweep: SweepSummary | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<SweepReport> | undefined;
  private stopped = false;
  private proberInstance: Prober | undefined;
  private readonly stuckLoggedAt = new Map<string, number>();
  private readonly serversDown = new Set<string>();
  /** Servers the kernel reported not responding, with its words, until it reports them OK. */
  private readonly suspects = new Map<string, string>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** When each mount last stopped answering (entered a dead or denied state), for the recovery line. */
  private readonly downSince = new Map<number, number>();
  private tableReread: Promise<ParsedMountTable> | undefined;

  constructor(options: MonitorOptions) {
    this.opts = options;
    this.log = options.log ?? silentMonitorLog;
    this.now = options.now ?? Date.now;
    this.proberInstance = options.prober;
    this.slots = new ProbeSlots(() => this.prober(), this.now, (e) => this.onReleased(e.mountpoint, e.pid, e.stuckMs));
  }

  get identity(): MonitorIdentity {
    return {
      mode: this.opts.mode,
      privileged: process.getuid?.() === 0,
      pid: process.pid,
      version: this.opts.version ?? '0.0.0',
    };
  }

  /** Replaces the options (SIGHUP reload); takes effect from the next sweep. */
  reconfigure(options: Partial<MonitorOptions>): void {
    const intervalChanged = options.intervalSeconds !== undefined && options.intervalSeconds !== this.opts.intervalSeconds;
    this.opts = { ...this.opts, ...options };
    if (intervalChanged && this.timer) this.schedule();
  }

  /** Sweeps now and then every intervalSeconds, never two sweeps at once. */
  start(): void {
    this.stopped = false;
    void this.sweepSafely();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.sweepSafely(), this.opts.intervalSeconds * 1000);
  }

  private async sweepSafely(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    try {
      await this.sweep();
    } catch {
      // already logged as tableUnreadable; the next interval tries again
    }
  }

  /** Stops sweeping, kills the probes still running and stops the fork server. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.proberInstance?.close();
  }

  /** Number of probe children not yet reaped (in flight or stuck). */
  get probesInFlight(): number {
    return this.slots.size;
  }

  private prober(): Prober {
    if (!this.proberInstance) {
      if (!this.opts.createProber) throw new Error('Monitor needs a prober or createProber');
      this.proberInstance = this.opts.createProber();
    }
    return this.proberInstance;
  }

  /** One sweep over the whole table. Rejects only when the mount table cannot be read. */
  sweep(): Promise<SweepReport> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = this.runSweep().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async readPlan(): Promise<SweepPlan> {
    if (!this.opts.readMountTable) throw new Error('Monitor needs readMountTable');
    let table: ParsedMountTable;
    try {
      table = await this.opts.readMountTable();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.log.tableUnreadable(error);
      throw error;
    }
    let plan = planSweep(table, this.opts);
    if (this.opts.refinePlan) plan = await this.opts.refinePlan(plan);
    this.planById = new Map(plan.items.map((i) => [i.entry.mountId, i]));
    return plan;
  }

  private async runSweep(): Promise<SweepReport> {
    const startedAt = this.now();
    const plan = await this.readPlan();
    for (const problem of plan.problems) this.log.tableProblem(problem);
    this.forgetVanished(plan);

    const results = await Promise.all(plan.items.map((item) => this.check(item)));
    const finishedAt = this.now();
    const dead = results.filter((s) => isDead(s.state)).length;
    const seconds = Math.round(finishedAt - startedAt) / 1000;
    const report = { checked: results.length, dead, seconds, startedAt, finishedAt, mounts: results, problems: plan.problems };
    // Stopped meanwhile (SIGTERM mid-sweep): the probes were cancelled by us, so this sweep says nothing
    // about the mounts and must not log a "dead" summary for them.
    if (this.stopped) return report;
    this.logServers(results);
    this.lastSweep = { checked: results.length, dead, seconds, finishedAt };
    this.log.sweepFinished(results.length, seconds, dead);
    this.emit({ type: 'sweep', summary: this.lastSweep });
    return report;
  }

  /** Decides one mount's status for this sweep: covered, idle and stuck mounts are not probed. */
  private async check(item: SweepPlan['items'][number]): Promise<MountStatus> {
    const { entry } = item;
    if (item.skip) return this.update(entry, { state: item.skip.state, message: item.skip.message });
    const held = this.slots.get(entry.mountpoint);
    if (held?.killed) return this.reportStuck(entry, held.killed.pid, held.killed.at);
    return this.probe(entry);
  }

  private async probe(entry: MountEntry): Promise<MountStatus> {
    const asOwner = process.getuid?.() === 0;
    await this.takePlace();
    // Read when the probe starts: a SIGHUP reload while it runs must not change what its answer says.
    const timeoutSeconds = this.opts.timeoutSeconds;
    const timeoutMs = timeoutSeconds * 1000;
    let result: ProbeResult;
    try {
      // stop() closed the prober: a new probe would only start a fork server nobody stops.
      if (this.stopped) return this.unrecorded(entry);
      const acquired = this.slots.acquire(entry, timeoutMs, asOwner);
      if (acquired.kind === 'stuck') {
        return this.reportStuck(entry, acquired.slot.killed!.pid, acquired.slot.killed!.at);
      }
      result = await acquired.slot.result;
      if (!acquired.started) {
        // Joined a probe another sweep or recheck started: that caller records and logs the answer.
        const stored = this.statuses.get(entry.mountId);
        return stored && sameMount(stored, entry) ? stored : this.update(entry, statusFromProbe(result, timeoutSeconds), result);
      }
    } finally {
      this.freePlace();
    }
    // Answered after stop(): cancelled by close() (ECANCELED), not the mount's failure.
    if (this.stopped) return this.unrecorded(entry);
    // The path did not lead to this mount: unless the table still has it there (a swapped parent, issue
    // 15 item 1), it was unmounted, moved or covered meanwhile, which says nothing about the mount.
    if (result.state === 'error' && result.stage === 'mount' && !(await this.stillOnTop(entry))) return this.unrecorded(entry);
    if (result.state === 'hung') this.log.timedOut(result.pid, entry.mountpoint, timeoutSeconds);
    return this.update(entry, statusFromProbe(result, timeoutSeconds), result);
  }

  /** Whether a fresh read of the table still has this mount on top of its path (true when unreadable). */
  private async stillOnTop(entry: MountEntry): Promise<boolean> {
    // Mounts vanishing together (an unmount of a tree) share one read.
    this.tableReread ??= this.opts.readMountTable!().finally(() => (this.tableReread = undefined));
    try {
      const table = await this.tableReread;
      return table.entries.filter((e) => e.mountpoint === entry.mountpoint).at(-1)?.mountId === entry.mountId;
    } catch {
      return true;
    }
  }

  /** The mount's last recorded status, or 'unknown': for answers that must not be recorded. */
  private unrecorded(entry: MountEntry): MountStatus {
    const stored = this.statuses.get(entry.mountId);
    if (stored && sameMount(stored, entry)) return stored;
    return { mountpoint: entry.mountpoint, source: entry.source, fstype: entry.fstype, mountId: entry.mountId, state: 'unknown', since: this.now() };
  }

  private async takePlace(): Promise<void> {
    const max = this.opts.maxConcurrentProbes ?? 512;
    if (this.running < max) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private freePlace(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private reportStuck(entry: MountEntry, pid: number, killedAt: number): MountStatus {
    const stuckMs = this.now() - killedAt;
    const last = this.stuckLoggedAt.get(entry.mountpoint);
    if (last === undefined || this.now() - last >= STUCK_RELOG_MS) {
      this.stuckLoggedAt.set(entry.mountpoint, this.now());
      this.log.stuck(pid, entry.mountpoint, stuckMs);
    }
    return this.update(entry, {
      state: 'stuck',
      probePid: pid,
      stuckForMs: stuckMs,
      message: `probe ${pid} was killed ${Math.round(stuckMs / 1000)} s ago and has not exited`,
    });
  }

  private onReleased(mountpoint: string, pid: number, stuckMs: number): void {
    if (this.stuckLoggedAt.delete(mountpoint)) this.log.released(pid, mountpoint, stuckMs);
  }

  /** Records a mount's new status, logs transitions and pushes the change to subscribers. */
  private update(entry: MountEntry, fields: Partial<MountStatus> & { state: MountState }, probe?: ProbeResult): MountStatus {
    const stored = this.statuses.get(entry.mountId);
    // The kernel reuses mount ids (lowest free first): a status stored under this id for another mount
    // is not this mount's past.
    const previous = stored && sameMount(stored, entry) ? stored : undefined;
    const now = this.now();
    const sameState = previous?.state === fields.state;
    const status: MountStatus = {
      mountpoint: entry.mountpoint,
      source: entry.source,
      fstype: entry.fstype,
      mountId: entry.mountId,
      ...(previous?.server !== undefined ? { server: previous.server } : {}),
      ...this.planned(entry),
      ...fields,
      since: sameState && previous ? previous.since : now,
      ...(probe ? { checkedAt: now } : previous?.checkedAt !== undefined ? { checkedAt: previous.checkedAt } : {}),
    };
    // A probe that answers after its mount left the table (unmounted meanwhile, its id possibly given
    // to a new mount), or after stop(), changes nothing.
    const planned = this.planById.get(entry.mountId);
    if (!planned || !sameMount(planned.entry, entry) || this.stopped) return status;
    // Covered, idle and trigger entries are reported every sweep without a probe: tell subscribers only
    // when something about them changed, not 1,000 times a sweep.
    if (!probe && previous && JSON.stringify(previous) === JSON.stringify(status)) return previous;
    this.statuses.set(entry.mountId, status);
    const down = isDown(status.state);
    if (down && !(previous && isDown(previous.state))) this.downSince.set(entry.mountId, now);
    if (probe) this.logTransition(status, previous);
    if (!down) this.downSince.delete(entry.mountId);
    this.emit({ type: 'mount', mount: status, previous: previous?.state ?? null });
    return status;
  }

  /** Facts the plan knows about a mount (server, automount role, NFS counters), kept on every status. */
  private planned(entry: MountEntry): Partial<MountStatus> {
    const annotations = this.planById.get(entry.mountId)?.annotations ?? {};
    let suspect: string | undefined;
    if (this.suspects.size > 0) for (const name of serverNames(entry, annotations.server)) suspect ??= this.suspects.get(name);
    return suspect !== undefined ? { ...annotations, suspect } : annotations;
  }

  /**
   * A passive signal about a server (the kernel logged "nfs: server X not responding" or "... OK"): its
   * mounts are marked suspect at once (or cleared) and probed now, not at the next sweep.
   * Returns the mountpoints probed.
   */
  serverSignal(server: string, kind: 'not-responding' | 'timed-out' | 'ok', text: string): string[] {
    if (kind === 'ok') this.suspects.delete(server);
    else this.suspects.set(server, `kernel: ${text}`);
    // The kernel names the server as the mount did, or by address (addr=, e.g. a pNFS data server).
    const items = [...this.planById.values()].filter((i) => !i.skip && serverNames(i.entry, i.annotations.server).includes(server));
    for (const item of items) {
      const current = this.statuses.get(item.entry.mountId);
      if (current) {
        const { suspect: _old, ...rest } = current;
        this.update(item.entry, rest);
      }
      void this.check(item);
    }
    if (items.length > 0) {
      this.log.warning(`Kernel reports server ${server} ${kind === 'ok' ? 'OK' : 'not responding'}: probing its ${items.length} mount${items.length === 1 ? '' : 's'} now`);
    }
    return items.map((i) => i.entry.mountpoint);
  }

  private logTransition(status: MountStatus, previous: MountStatus | undefined): void {
    const was = previous?.state;
    if (status.state === 'denied' && (was !== 'denied' || previous?.message !== status.message)) {
      this.log.denied(status.mountpoint, status.message ?? '');
    } else if (status.state === 'error' && (was !== 'error' || previous?.errno !== status.errno)) {
      this.log.failed(status.mountpoint, status.errno ?? 'EIO', status.message ?? '');
    } else if (status.state === 'ok' && previous && (isDead(previous.state) || previous.state === 'denied')) {
      this.log.recovered(status.mountpoint, this.now() - (this.downSince.get(status.mountId) ?? previous.since));
    }
  }

  /** One line when a server's mounts start failing and one when they are all back (not one per mount). */
  private logServers(mounts: MountStatus[]): void {
    const dead = new Map<string, number>();
    for (const m of mounts) {
      if (m.server === undefined) continue;
      dead.set(m.server, (dead.get(m.server) ?? 0) + (isDead(m.state) ? 1 : 0));
    }
    for (const [server, count] of dead) {
      if (count > 0 && !this.serversDown.has(server)) {
        this.serversDown.add(server);
        this.log.serverDown(server, count);
      } else if (count === 0 && this.serversDown.delete(server)) {
        this.log.serverUp(server);
      }
    }
  }

  private forgetVanished(plan: SweepPlan): void {
    const present = new Map(plan.items.map((i) => [i.entry.mountId, i.entry]));
    for (const [id, status] of this.statuses) {
      const now = present.get(id);
      if (!now || !sameMount(status, now)) {
        this.statuses.delete(id);
        this.downSince.delete(id);
        this.emit({ type: 'removed', mountpoint: status.mountpoint });
      }
    }
  }

  private emit(event: MonitorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a subscriber's bug must never stop monitoring
      }
    }
  }

  async snapshot(): Promise<Snapshot> {
    return {
      identity: this.identity,
      ...(this.lastSweep ? { lastSweep: this.lastSweep } : {}),
      mounts: [...this.statuses.values()],
    };
  }

  onChange(listener: (event: MonitorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Probes one mount again (or all). Only a mountpoint in the current table is ever probed: the table
   * is read afresh and the path must be the top mount there.
   */
  async recheck(mountpoint?: string): Promise<RecheckResult> {
    const plan = await this.readPlan().catch((err: Error) => {
      throw new RecheckError(`cannot read the mount table: ${err.message}`, 'sweep-failed');
    });
    this.forgetVanished(plan);
    const items = mountpoint === undefined ? plan.items : plan.items.filter((i) => i.entry.mountpoint === mountpoint && i.skip?.state !== 'covered');
    if (mountpoint !== undefined && items.length === 0) {
      throw new RecheckError(`${JSON.stringify(mountpoint)} is not a mountpoint in the mount table`, 'not-a-mountpoint');
    }
    const result: RecheckResult = { started: [], skipped: [] };
    for (const item of items) {
      const held = this.slots.get(item.entry.mountpoint);
      if (item.skip) result.skipped.push({ mountpoint: item.entry.mountpoint, reason: item.skip.message });
      else if (held?.killed) result.skipped.push({ mountpoint: item.entry.mountpoint, reason: `stuck: probe ${held.killed.pid} has not exited` });
      else result.started.push(item.entry.mountpoint);
      void this.check(item);
    }
    return result;
  }
}

/** Down for the recovery line: dead, or its mode does not allow access. */
function isDown(state: MountState): boolean {
  return isDead(state) || state === 'denied';
}

/**
 * Whether a status and a table entry with the same mount id are the same mount. Ids are reused after an
 * unmount; a mount moved elsewhere (mount --move) is treated as a new one.
 */
function sameMount(a: Pick<MountEntry, 'mountpoint' | 'source' | 'fstype'>, b: Pick<MountEntry, 'mountpoint' | 'source' | 'fstype'>): boolean {
  return a.mountpoint === b.mountpoint && a.source === b.source && a.fstype === b.fstype;
}

/** The names a kernel line may use for a mount's server: the one in its source, and its addr= option. */
function serverNames(entry: MountEntry, server: string | undefined): string[] {
  const addr = optionValue(entry.superOptions, 'addr');
  return [server, addr].filter((n): n is string => n !== undefined);
}
