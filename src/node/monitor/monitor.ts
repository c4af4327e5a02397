// The monitor: sweeps the mount table, probes each mount in a child (never here), keeps every mount's
// status as data, pushes changes to subscribers and tells admins through a MonitorLog.
//
// Two tiers: every mount is probed each `interval`; the watched mounts (the homes of the people using
// this machine, and `watch` patterns) each `watch-interval` as well. Any probe still unanswered after
// `slow-after` makes its mount slow at once, before the timeout makes it hung.
//
// It never touches a mountpoint itself: it reads /proc (mountinfo, mountstats, and /proc/PID for blocked
// processes) and asks the Prober, whose children are the only processes that stat or list a mount. This
// file is the probe pipeline (plan, probe, record, tell); its parts, each the one owner of its facts:
// table-reader.ts (when the table is read again), sweep-plan.ts and plan-refiners.ts (what a sweep probes,
// and what it skips), watch-set.ts (the watch tier), probe-slots.ts (one probe per mount, and which are
// stuck), deadline-timer.ts (slow-after), status-from-probe.ts (an answer as status fields),
// status-store.ts (statuses, and since when each mount is down), transition-log.ts (what admins are told,
// and how often), blocked-watch.ts (who waits on a mount not answering), server-suspects.ts (what the
// kernel said about servers), nfs-rpc-watch.ts (NFS counters, and degrading servers),
// probe-latency-watch.ts (other mounts degrading, from their probes' latency).
import type { MonitorApi, MonitorEvent, MonitorIdentity, ProbeLatency, RecheckResult, Snapshot, SweepSummary } from '../../common/monitor-api.js';
import type { BlockedProcesses, MountEntry, MountState, MountStatus, ParsedMountTable, SweepReport } from '../../common/mount.js';
import { isDead, isUnanswered } from '../../common/state-classes.js';
import { ConcurrencyGate } from '../concurrency-gate.js';
import { DEFAULT_SETTINGS } from '../config/settings.js';
import type { Prober, ProbeResult } from '../probe/prober.js';
import { silentMonitorLog, type MonitorLog } from './monitor-log.js';
import { ProbeSlots, type SlotEvent, type SlotState, type Stuck } from './probe-slots.js';
import { DeadlineTimer } from './deadline-timer.js';
import { serverNames, ServerSuspects, type ServerSignalKind } from './server-suspects.js';
import { sameMount, StatusStore, type UpdateKind } from './status-store.js';
import { statusFromProbe, type ProbeStatus } from './status-from-probe.js';
import type { ScopeOptions } from '../../common/mount-table/scope.js';
import { planSweep, type PlanItem, type SweepPlan } from './sweep-plan.js';
import { TransitionLog } from './transition-log.js';
import { isNfsClientFstype } from '../passive/nfs-shutdown.js';
import { WatchSet } from './watch-set.js';
import { BlockedWatch, type ScanBlocked } from './blocked-watch.js';
import type { ParsedMountstats } from '../../common/mountstats.js';
import { NfsRpcWatch } from './nfs-rpc-watch.js';
import { TableReader, type TableRead } from './table-reader.js';
import { ProbeLatencyWatch } from './probe-latency-watch.js';

export interface MonitorOptions extends ScopeOptions {
  /** Seconds between sweeps when started with start(). */
  intervalSeconds: number;
  /** Seconds a probe may take before it is killed and its mount reported hung. */
  timeoutSeconds: number;
  /** Seconds between probes of a watched mount (default: the settings' default). */
  watchIntervalSeconds?: number;
  /** Seconds after which a probe still unanswered makes its mount slow (default: the settings'; off when >= timeout). */
  slowAfterSeconds?: number;
  /** Mountpoint globs or `fstype:PATTERN` always in the watch tier. */
  watch?: string[];
  mode: MonitorIdentity['mode'];
  log?: MonitorLog;
  /** Made on first use; closed by stop(). */
  prober?: Prober;
  createProber?: () => Prober;
  /**
   * Reads the table; may return the very same object while the table is unchanged (watch ticks reuse the
   * plan then). `from` names it in the log (/proc/self/mountinfo); a MountTableUnreadableError says why not.
   */
  readMountTable?: () => Promise<TableRead>;
  /** Extra per-sweep planning (automounter awareness): may mark mounts idle so they are not probed. */
  refinePlan?: (plan: SweepPlan) => Promise<SweepPlan> | SweepPlan;
  /** Finds the processes waiting on mounts that are not answering (by mount id). Default: not looked for. */
  scanBlocked?: ScanBlocked;
  now?: () => number;
  version?: string;
  /** Most probes started at once; the rest wait for a free place (a hung one frees its place at the timeout). */
  maxConcurrentProbes?: number;
  /** Reads /proc/self/mountstats (NFS counters and the degrading judgement). Default: not read. */
  readMountstats?: () => Promise<ParsedMountstats>;
}

/**
 * NFS counters are read this often between sweeps: a degrading server is judged from two reads in a row
 * (src/common/nfs-degrading.ts), so it is reported 6-9 s after it began, before the 15 s users notice.
 * A read prints every mount's counters (about what a mountinfo read costs), so not every second.
 */
const NFS_READ_MS = 3000;

class RecheckError extends Error {
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
  private readonly gate: ConcurrencyGate;
  private readonly store = new StatusStore();
  private readonly transitions: TransitionLog;
  private readonly watches = new WatchSet();
  private readonly slow: DeadlineTimer;
  private readonly listeners = new Set<(event: MonitorEvent) => void>();
  /** The latest plan, the table it was made from, and its items by mount id. */
  private plan: SweepPlan | undefined;
  private planTable: TableRead | undefined;
  private planById = new Map<number, PlanItem>();
  /** planSweep's output for the last table read, before the refiners: reused while the table and scope stay. */
  private basePlan: { table: ParsedMountTable; scope: ScopeOptions; plan: SweepPlan } | undefined;
  private scope: ScopeOptions;
  /** Probes switch to each mountpoint's owner when we are root (a process's uid does not change). */
  private readonly privileged = process.getuid?.() === 0;
  private lastSweep: SweepSummary | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private nfsTimer: NodeJS.Timeout | undefined;
  private readonly nfsRpc = new NfsRpcWatch();
  private nfsReading = false;
  private readonly latency = new ProbeLatencyWatch(() => this.log, () => this.now());
  private sweeping: Promise<SweepReport> | undefined;
  private watchTicking = false;
  private stopped = false;
  private proberInstance: Prober | undefined;
  private readonly suspects = new ServerSuspects();
  private readonly tables: TableReader;
  private readonly blockedWatch: BlockedWatch;
  /** Quiet ok probes (nothing changed but their latency) since the last sweep's event, by mount id. */
  private readonly quietProbes = new Map<number, MountStatus>();
  /** Mounts rechecked on request: their next answer is pushed even when it changes nothing. */
  private readonly rechecked = new Set<number>();

  constructor(options: MonitorOptions) {
    this.opts = options;
    this.scope = { include: options.include, exclude: options.exclude };
    this.log = options.log ?? silentMonitorLog;
    this.now = options.now ?? Date.now;
    this.proberInstance = options.prober;
    this.tables = new TableReader(() => {
      if (!this.opts.readMountTable) throw new Error('Monitor needs readMountTable');
      return this.opts.readMountTable();
    }, this.now, this.log);
    if (options.prober) this.tables.listen(options.prober);
    this.transitions = new TransitionLog(() => this.log, this.now);
    this.slow = new DeadlineTimer(this.now);
    this.gate = new ConcurrencyGate(() => this.opts.maxConcurrentProbes ?? 512);
    this.watches.setPatterns(options.watch ?? []);
    this.blockedWatch = new BlockedWatch(() => (this.stopped ? undefined : this.opts.scanBlocked), {
      table: () => this.plan?.table,
      statuses: () => this.store.all(),
      attach: (mountId, blocked) => this.attachBlocked(mountId, blocked),
    });
    this.slots = new ProbeSlots(() => this.prober(), this.now, (e) => this.slotEvent(e));
  }

  get identity(): MonitorIdentity {
    return {
      mode: this.opts.mode,
      privileged: this.privileged,
      pid: process.pid,
      version: this.opts.version ?? '0.0.0',
    };
  }

  private get watchIntervalMs(): number {
    return (this.opts.watchIntervalSeconds ?? DEFAULT_SETTINGS.watchIntervalSeconds) * 1000;
  }

  /** Replaces the options (SIGHUP reload); takes effect from the next sweep. */
  reconfigure(options: Partial<MonitorOptions>): void {
    const timersChanged =
      (options.intervalSeconds !== undefined && options.intervalSeconds !== this.opts.intervalSeconds) ||
      (options.watchIntervalSeconds !== undefined && options.watchIntervalSeconds !== this.opts.watchIntervalSeconds);
    this.opts = { ...this.opts, ...options };
    if (options.include || options.exclude) this.scope = { include: this.opts.include, exclude: this.opts.exclude };
    if (options.watch) this.watches.setPatterns(options.watch);
    if (timersChanged && this.sweepTimer) this.schedule();
  }

  /**
   * The directories whose mounts one requester wants watched (the daemon: the homes of connected clients
   * and of logged-in users; the app: its user's home). Replaces that requester's list; [] removes it.
   */
  watchDirectories(requester: string, dirs: readonly string[]): void {
    const before = this.plan ? this.watches.of(this.plan) : new Map();
    this.watches.setDirectories(requester, dirs);
    if (this.plan) {
      // Statuses say whether their mount is watched: refresh those whose answer changed.
      const after = this.watches.of(this.plan);
      for (const id of new Set([...before.keys(), ...after.keys()])) {
        const item = this.planById.get(id);
        if (item && before.get(id) !== after.get(id)) this.refresh(item.entry);
      }
    }
    if (!this.watches.empty) void this.watchTick();
  }

  /** Stores the mount's status again with the plan's current facts (and any fields given), without a probe. */
  private refresh(entry: MountEntry, fields: Partial<MountStatus> = {}): MountStatus | undefined {
    const current = this.store.get(entry);
    if (!current) return undefined;
    const { since: _since, checkedAt: _checked, watched: _watched, suspect: _suspect, nfs: _nfs, degrading: _degrading, ...answer } = current;
    return this.update(entry, { ...answer, ...fields }, 'facts');
  }

  /** Sweeps now and then every intervalSeconds, never two sweeps at once; watched mounts every watchIntervalSeconds. */
  start(): void {
    this.stopped = false;
    void this.sweepSafely();
    this.schedule();
  }

  private schedule(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    if (this.nfsTimer) clearInterval(this.nfsTimer);
    this.sweepTimer = setInterval(() => void this.sweepSafely(), this.opts.intervalSeconds * 1000);
    this.watchTimer = setInterval(() => void this.watchTick(), this.watchIntervalMs);
    if (this.opts.readMountstats) this.nfsTimer = setInterval(() => void this.readNfsCounters(), NFS_READ_MS);
  }

  private async sweepSafely(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    try {
      await this.sweep();
    } catch {
      // already logged as tableUnreadable; the next interval tries again
    }
  }

  /** Stops sweeping, kills the probes still running and stops the prober. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.sweepTimer, this.watchTimer, this.nfsTimer]) if (t) clearInterval(t);
    this.blockedWatch.stop();
    this.sweepTimer = this.watchTimer = this.nfsTimer = undefined;
    this.slow.clear();
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
      this.tables.listen(this.proberInstance);
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

  /** A fresh plan: the table read again, and the refiners (automount usage) run again. */
  private async readPlan(): Promise<SweepPlan> {
    return this.planFrom(await this.tables.fresh());
  }

  private async planFrom(table: TableRead): Promise<SweepPlan> {
    // An unchanged table (the same object, see createMountTableReader) in the same scope plans the same:
    // only the refiners, whose facts come from /proc (automount usage, NFS counters), run again.
    if (this.basePlan?.table !== table || this.basePlan.scope !== this.scope) {
      this.basePlan = { table, scope: this.scope, plan: planSweep(table, this.opts) };
    }
    let plan = this.basePlan.plan;
    if (this.opts.refinePlan) plan = await this.opts.refinePlan(plan);
    if (plan !== this.plan) {
      this.plan = plan;
      this.planById = new Map(plan.items.map((i) => [i.entry.mountId, i]));
      this.forgetVanished(plan);
    }
    this.planTable = table;
    return plan;
  }

  private async runSweep(): Promise<SweepReport> {
    const startedAt = this.now();
    const plan = await this.readPlan();
    for (const problem of plan.problems) this.log.tableProblem(this.planTable?.from ?? 'the mount table', problem);
    await this.readNfsCounters();

    const results = await Promise.all(plan.items.map((item) => this.decideStatus(item)));
    const finishedAt = this.now();
    const dead = results.filter((s) => isDead(s.state)).length;
    const seconds = Math.round(finishedAt - startedAt) / 1000;
    const report = { checked: results.length, dead, seconds, startedAt, finishedAt, mounts: results, problems: plan.problems };
    // Stopped meanwhile (SIGTERM mid-sweep): the probes were cancelled by us, so this sweep says nothing
    // about the mounts and must not log a "dead" summary for them.
    if (this.stopped) return report;
    this.transitions.servers(results);
    this.lastSweep = { checked: results.length, dead, seconds, finishedAt };
    this.log.sweepFinished(results.length, seconds, dead);
    const probes = this.listeners.size === 0 ? [] : [...this.quietProbes.values()].map((m): ProbeLatency => [m.mountId, m.latencyMs ?? 0, m.checkedAt ?? finishedAt]);
    this.quietProbes.clear();
    this.emit({ type: 'sweep', summary: this.lastSweep, ...(probes.length > 0 ? { probes } : {}) });
    return report;
  }

  /**
   * Probes the watched mounts. The table is read when it may have changed (a home mounted since the last
   * sweep is seen at once, see TableReader.recent), but planned again only when it did: an unchanged table
   * is the same object, so a tick costs at most one read of mountinfo and no work per mount.
   */
  private async watchTick(): Promise<void> {
    if (this.stopped || this.watches.empty || this.watchTicking) return;
    this.watchTicking = true;
    try {
      const table = await this.tables.recent();
      const plan = table === this.planTable && this.plan ? this.plan : await this.planFrom(table);
      const watched = this.watches.of(plan);
      for (const id of watched.keys()) {
        const item = this.planById.get(id);
        if (item && !this.stopped) void this.decideStatus(item);
      }
    } catch {
      // an unreadable table is logged by the next sweep; the next tick tries again
    } finally {
      this.watchTicking = false;
    }
  }

  /**
   * Decides one mount's status for this sweep: covered, idle and stuck mounts are not probed. Promise
   * chains rather than async functions on this path: a sweep calls it once per mount, and each await
   * would allocate a promise and a resumption (a third of a sweep's cost was garbage collection).
   */
  private decideStatus(item: PlanItem): Promise<MountStatus> {
    const { entry } = item;
    if (item.skip) return Promise.resolve(this.update(entry, { state: item.skip.state, message: item.skip.message }, 'facts'));
    if (this.slots.get(entry)?.killed) return Promise.resolve(this.whileKilled(entry));
    // Most probes find a place at once (no promise for them); the others wait for one.
    return this.gate.tryEnter() ? this.probe(entry) : this.gate.wait().then(() => this.probe(entry));
  }

  /** Probes a mount, holding a place of the gate, which it leaves once the probe answered. */
  private probe(entry: MountEntry): Promise<MountStatus> {
    // Read when the probe starts: a SIGHUP reload while it runs must not change what its answer says.
    const timeoutSeconds = this.opts.timeoutSeconds;
    const slowAfterSeconds = this.opts.slowAfterSeconds ?? DEFAULT_SETTINGS.slowAfterSeconds;
    let acquired: ReturnType<ProbeSlots['acquire']>;
    try {
      // stop() closed the prober: a new probe would only start a prober nobody stops.
      if (this.stopped) {
        this.gate.leave();
        return Promise.resolve(this.unrecorded(entry));
      }
      acquired = this.slots.acquire(entry, timeoutSeconds * 1000, this.privileged);
    } catch (err) {
      this.gate.leave();
      return Promise.reject(err);
    }
    if (acquired.kind === 'killed') {
      this.gate.leave();
      return Promise.resolve(this.whileKilled(entry));
    }
    const { slot } = acquired;
    if (!acquired.started) {
      // Joined a probe another sweep or recheck started: that caller records and logs the answer.
      return slot.result.then(
        (result) => (this.gate.leave(), this.store.get(entry) ?? (result.state === 'unchecked' ? this.unrecorded(entry) : this.update(entry, statusFromProbe(result, timeoutSeconds), 'probe'))),
        (err: unknown) => (this.gate.leave(), Promise.reject(err)),
      );
    }
    if (slowAfterSeconds < timeoutSeconds) this.slow.track(entry.mountId, slot.startedAt + slowAfterSeconds * 1000, () => this.markSlow(entry, slot, slowAfterSeconds));
    return slot.result.then(
      (result) => {
        this.gate.leave();
        this.slow.done(entry.mountId);
        return this.answered(entry, result, timeoutSeconds, slot.startedAt);
      },
      (err: unknown) => {
        this.gate.leave();
        this.slow.done(entry.mountId);
        return Promise.reject(err);
      },
    );
  }

  /** Records a probe's answer. */
  private answered(entry: MountEntry, result: ProbeResult, timeoutSeconds: number, startedAt: number): MountStatus | Promise<MountStatus> {
    // Answered after stop(): cancelled by close() (ECANCELED), not the mount's failure. Unchecked: the
    // prober died under the probe, twice; the mount keeps its status, and the next sweep asks again.
    if (this.stopped || result.state === 'unchecked') return this.unrecorded(entry);
    if (result.state === 'ok' && this.suspects.awaitingAnswers) this.serverAnswered(entry, startedAt);
    // The path did not lead to this mount, or no longer exists: unless the table still has it there (a
    // swapped parent), it was unmounted, moved or covered meanwhile (autofs's short-lived /tmp/autoXXXXXX
    // at its start), which says nothing about the mount.
    if (result.state === 'error' && (result.stage === 'mount' || result.errno === 'ENOENT')) {
      return this.stillOnTop(entry).then((onTop) => (onTop ? this.update(entry, statusFromProbe(result, timeoutSeconds), 'probe') : this.unrecorded(entry)));
    }
    if (result.state === 'hung') this.transitions.timedOut(entry.mountId, result.pid, entry.mountpoint, timeoutSeconds);
    this.latency.answered(entry, result, this.planById.get(entry.mountId)?.annotations.server);
    return this.update(entry, statusFromProbe(result, timeoutSeconds), 'probe');
  }

  /** The status of a mount whose killed probe has not exited yet: hung within the grace, stuck after it. */
  private whileKilled(entry: MountEntry): MountStatus {
    const stuck = this.slots.stuck(entry);
    if (stuck) return this.reportStuck(entry, stuck);
    return this.store.get(entry) ?? this.unrecorded(entry);
  }

  private slotEvent(event: SlotEvent): void {
    if (event.type === 'released') this.transitions.released(event.entry, event.pid, event.stuckMs);
    else if (!this.stopped) this.reportStuck(event.entry, event.stuck);
  }

  /** A probe has gone unanswered for slow-after: its mount is slow now, not at the timeout. */
  private markSlow(entry: MountEntry, slot: SlotState, seconds: number): void {
    if (this.stopped || this.slots.get(entry) !== slot || slot.killed) return;
    // A mount already dead (hung, or failing with an error) stays so while its next probe goes unanswered:
    // the outage goes on, and a soft NFS mount would otherwise flap between slow and EIO with every probe.
    // (Stuck never gets here: its killed probe holds the mount's one slot.)
    const state = this.store.get(entry)?.state;
    if (state !== undefined && isDead(state)) return;
    this.update(entry, { state: 'slow', message: `no answer after ${seconds} s` }, 'slow', seconds);
  }

  /** Whether a fresh read of the table still has this mount on top of its path (true when unreadable). */
  private async stillOnTop(entry: MountEntry): Promise<boolean> {
    try {
      const table = await this.tables.shared();
      return table.entries.filter((e) => e.mountpoint === entry.mountpoint).at(-1)?.mountId === entry.mountId;
    } catch {
      return true;
    }
  }

  /** The mount's last recorded status, or 'unknown': for answers that must not be recorded. */
  private unrecorded(entry: MountEntry): MountStatus {
    return this.store.get(entry) ?? { mountpoint: entry.mountpoint, source: entry.source, fstype: entry.fstype, mountId: entry.mountId, state: 'unknown', since: this.now() };
  }

  private reportStuck(entry: MountEntry, { pid, stuckMs }: Stuck): MountStatus {
    this.transitions.stuck(entry, pid, stuckMs);
    return this.update(
      entry,
      { state: 'stuck', probePid: pid, stuckForMs: stuckMs, message: `probe ${pid} was killed ${Math.round(stuckMs / 1000)} s ago and has not exited` },
      'facts',
    );
  }

  /** Records a mount's new status, logs transitions and pushes the change to subscribers. */
  private update(entry: MountEntry, input: ProbeStatus, kind: UpdateKind, unansweredSeconds = 0): MountStatus {
    // The denial is for the log, not the status; most answers have none (and no copy is made for them).
    const { denial } = input;
    const fields = denial === undefined ? input : withoutDenial(input);
    // A probe that answers after its mount left the table (unmounted meanwhile, its id possibly given to
    // a new mount), or after stop(), changes nothing.
    const planned = this.planById.get(entry.mountId);
    if (!planned || !sameMount(planned.entry, entry) || this.stopped) {
      return { mountpoint: entry.mountpoint, source: entry.source, fstype: entry.fstype, mountId: entry.mountId, ...this.facts(entry), ...fields, since: this.now() };
    }
    const recorded = this.store.record(entry, fields, this.facts(entry), kind, this.now());
    // Covered, idle and trigger entries are reported every sweep without a probe: subscribers hear of
    // them only when something changed, not 1,000 times a sweep. An ok probe that changed nothing but
    // its latency goes out with the sweep's event (one frame a sweep, not one a mount), except for a
    // watched mount and a rechecked one, whose every answer someone is looking at.
    if (!recorded.changed && (kind !== 'probe' || this.quietProbe(recorded.status))) return recorded.status;
    const { status, previous } = recorded;
    this.quietProbes.delete(status.mountId);
    this.rechecked.delete(status.mountId);
    if (kind !== 'facts') this.transitions.recorded(status, previous, recorded.downMs, unansweredSeconds * 1000, denial);
    if (isUnanswered(status.state)) this.blockedWatch.soon();
    this.emit({ type: 'mount', mount: status, previous: previous?.state ?? null });
    return status;
  }

  /** Keeps a quiet probe's answer for the sweep's event; false when it is to be pushed at once instead. */
  private quietProbe(status: MountStatus): boolean {
    if (status.watched !== undefined || this.rechecked.delete(status.mountId)) return false;
    this.quietProbes.set(status.mountId, status);
    return true;
  }

  /** Facts the plan knows about a mount (server, automount role, watched), and its NFS counters, kept on every status. */
  private facts(entry: MountEntry): Partial<MountStatus> {
    const annotations = this.planById.get(entry.mountId)?.annotations ?? {};
    const suspect = this.suspects.of(entry, annotations.server);
    const watched = this.plan ? this.watches.of(this.plan).get(entry.mountId) : undefined;
    const nfs = this.nfsRpc.empty ? undefined : this.nfsRpc.facts(entry);
    const slower = nfs ? undefined : this.latency.facts(entry);
    // The plan's own object when nothing is added (most mounts, every sweep): the status copies it anyway.
    if (suspect === undefined && watched === undefined && nfs === undefined && slower === undefined) return annotations;
    return {
      ...annotations,
      ...nfs,
      ...slower,
      ...(suspect !== undefined ? { suspect } : {}),
      ...(watched !== undefined ? { watched } : {}),
    };
  }

  /**
   * Reads the NFS mounts' counters (at each sweep, and every NFS_READ_MS between): statuses get the fresh
   * counters, and a degrading episode is logged when it begins and when it ends. Touches no mount.
   */
  private async readNfsCounters(): Promise<void> {
    const read = this.opts.readMountstats;
    const plan = this.plan;
    if (!read || !plan || this.nfsReading || this.stopped) return;
    const items = plan.items.filter((i) => i.skip?.state !== 'covered' && isNfsClientFstype(i.entry.fstype));
    if (items.length === 0 && this.nfsRpc.empty) return;
    this.nfsReading = true;
    try {
      const stats = await read();
      if (this.stopped) return;
      const { changed, episodes } = this.nfsRpc.update(items.map((i) => i.entry), stats, this.now());
      const byMountpoint = new Map(items.map((i) => [i.entry.mountpoint, i]));
      for (const e of episodes) {
        const item = byMountpoint.get(e.mountpoint);
        if (e.degrading) this.log.degrading(e.mountpoint, item?.annotations.server, e.degrading.reason);
        else this.log.degradingOver(e.mountpoint, e.lastedMs ?? 0);
      }
      for (const mp of changed) {
        const item = byMountpoint.get(mp);
        if (item) this.refresh(item.entry);
      }
    } finally {
      this.nfsReading = false;
    }
  }

  /** What a look for blocked processes found on a mount, for its status while it still does not answer. */
  private attachBlocked(mountId: number, blocked: BlockedProcesses): void {
    const item = this.planById.get(mountId);
    const current = item && this.store.get(item.entry);
    if (!item || !current || !isUnanswered(current.state)) return;
    const updated = this.refresh(item.entry, { blocked });
    if (updated) this.transitions.blocked(updated, blocked);
  }

  /**
   * A passive signal about a server (the kernel logged "nfs: server X not responding" or "... OK"): its
   * mounts are marked suspect at once (or cleared) and probed now, not at the next sweep.
   * Returns the mountpoints probed.
   *
   * The kernel prints its line once per request that timed out (and "OK" once per such request that
   * completed): dozens in a minute of outage. Only the first of an episode is logged and probes every
   * mount of the server; the rest probe only those of its mounts that still look well, and only when no
   * probe of theirs is running.
   * okLine false: the kernel prints no "OK" after this kind of line (CIFS); the first probe of the
   * server's mounts that answers after it clears it instead.
   */
  serverSignal(server: string, kind: ServerSignalKind, text: string, { okLine = true } = {}): string[] {
    const { down, news, marked } = this.suspects.note(server, kind, text, this.now(), okLine);
    // The kernel names the server as the mount did, or by address (addr=, e.g. a pNFS data server).
    const items = [...this.planById.values()].filter((i) => !i.skip && serverNames(i.entry, i.annotations.server).includes(server));
    if (marked) for (const item of items) this.refresh(item.entry);
    const probed = news ? items : down ? items.filter((i) => this.looksWell(i.entry)) : [];
    for (const item of probed) void this.decideStatus(item);
    if (news && items.length > 0) this.log.kernelSignal(server, kind, items.length);
    return probed.map((i) => i.entry.mountpoint);
  }

  /**
   * A probe of `entry` started at `startedAt` answered well: a server the kernel said was down before that
   * (in a line with no "OK" to follow) answers again, so its mounts are no longer suspect, and its next
   * line is news.
   */
  private serverAnswered(entry: MountEntry, startedAt: number): void {
    const item = this.planById.get(entry.mountId);
    for (const server of serverNames(entry, item?.annotations.server)) {
      if (!this.suspects.answered(server, startedAt)) continue;
      for (const other of this.planById.values()) {
        if (other.entry.mountId !== entry.mountId && serverNames(other.entry, other.annotations.server).includes(server)) this.refresh(other.entry);
      }
    }
  }


  /** Whether a mount's last answer was well and no probe of it is running (a new one would tell something). */
  private looksWell(entry: MountEntry): boolean {
    const state = this.store.get(entry)?.state;
    return (state === undefined || state === 'ok') && !this.slots.get(entry);
  }

  private forgetVanished(plan: SweepPlan): void {
    const present = new Map(plan.items.map((i) => [i.entry.mountId, i.entry]));
    for (const status of this.store.forgetMissing(present)) {
      this.transitions.forget(status.mountId);
      this.latency.forget(status.mountId);
      this.quietProbes.delete(status.mountId);
      this.rechecked.delete(status.mountId);
      this.emit({ type: 'removed', mountpoint: status.mountpoint });
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
      mounts: this.store.all(),
    };
  }

  /** Reads the mount table again now (after an unmount): mounts that left it are removed and announced. */
  async rereadTable(): Promise<void> {
    await this.readPlan();
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
    const items = mountpoint === undefined ? plan.items : plan.items.filter((i) => i.entry.mountpoint === mountpoint && i.skip?.state !== 'covered');
    if (mountpoint !== undefined && items.length === 0) {
      throw new RecheckError(`${JSON.stringify(mountpoint)} is not a mountpoint in the mount table`, 'not-a-mountpoint');
    }
    const result: RecheckResult = { started: [], skipped: [] };
    for (const item of items) {
      const held = this.slots.get(item.entry);
      if (item.skip) result.skipped.push({ mountpoint: item.entry.mountpoint, reason: item.skip.message });
      else if (held?.killed) result.skipped.push({ mountpoint: item.entry.mountpoint, reason: `probe ${held.killed.pid} was killed and has not exited yet` });
      else result.started.push(item.entry.mountpoint);
      if (!item.skip) this.rechecked.add(item.entry.mountId);
      void this.decideStatus(item);
    }
    return result;
  }
}

function withoutDenial(input: ProbeStatus): Partial<MountStatus> & { state: MountState } {
  const { denial: _denial, ...fields } = input;
  return fields;
}
