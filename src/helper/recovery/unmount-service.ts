// Carries out `mountstatus unmount` (a client over the socket) and `recover` rules (the policy): checks who
// asks, that the helper sees the host's mounts, that the mount is one it may unmount (recovery-rules.ts),
// then unmounts the mounts under it, leaf first, and the mount itself, each by a msm-unmount child under a
// deadline, identified by mount id (never by a path walk in this process: it only reads /proc).
import type { Snapshot } from '../../common/monitor-api.js';
import type { BlockedProcess, MountEntry, MountStatus, ParsedMountTable } from '../../common/mount.js';
import { IpcError } from '../../common/protocol.js';
import type { UnmountMode, UnmountResult, UnmountTarget } from '../../common/recovery.js';
import { decideUnmount, topMountAt, unmountKind } from '../../common/recovery-rules.js';
import { serverOf } from '../../common/mount-table/server.js';
import { readMountTable } from '../../node/mount-table/read-mount-table.js';
import { scanUsage } from '../../node/automount/usage.js';
import { parseProcStat, realProc, type ProcReader } from '../../node/passive/proc.js';
import * as lines from '../log/lines.js';
import { count } from '../log/words.js';
import type { UnmountCause } from '../log/lines.js';
import type { Log } from '../log/log.js';
import type { PeerCredentials } from '../ipc/peer.js';
import type { Permission } from './who-may-unmount.js';
import { runUnmountChild, type UnmountChildOutcome, type UnmountChildRunner } from './unmount-child.js';

export interface UnmountRequest {
  mountpoint: string;
  mode: UnmountMode;
  evenIfHealthy?: boolean;
  dryRun?: boolean;
}

/** A client (as the kernel names its connection), or the recover policy after this long not responding. */
export type UnmountRequester = { peer: PeerCredentials } | { policy: { notRespondingSeconds: number } };

export interface UnmountServiceOptions {
  monitor: { snapshot(): Promise<Snapshot>; rereadTable(): Promise<void> };
  whoMay: { check(peer: PeerCredentials): Promise<Permission> };
  /** Why an unmount here would not reach the host's mounts (mount-namespace.ts), or undefined. */
  namespaceProblem: () => Promise<string | undefined>;
  /** Deadline for one mount's unmount child, ms (the probe timeout). */
  timeoutMs: () => number;
  log: Log;
  readTable?: () => Promise<ParsedMountTable>;
  run?: UnmountChildRunner;
  /** How long a busy mount is retried after its abort (the programs just freed need a moment to let go). */
  busyWaitMs?: number;
  proc?: ProcReader;
  signal?: (pid: number, signal: NodeJS.Signals) => void;
  /** How long an automount daemon is given to expire a mount after SIGUSR1. */
  automountWaitMs?: number;
  /** How long the programs blocked on the mount are given to leave their wait once it is unmounted. */
  releaseWaitMs?: number;
  now?: () => number;
}

const DEFAULT_BUSY_WAIT_MS = 1500;
const DEFAULT_AUTOMOUNT_WAIT_MS = 2000;
const DEFAULT_RELEASE_WAIT_MS = 1000;
/** A refusal for one uid and mountpoint is logged at most this often (a script retrying in a loop). */
const REFUSAL_LOG_EVERY_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const named = (ps: readonly BlockedProcess[]) => ps.map((p) => `${p.comm}[${p.pid}]`).join(', ');

function targetOf(e: MountEntry): UnmountTarget {
  const server = serverOf(e);
  return { mountpoint: e.mountpoint, mountId: e.mountId, fstype: e.fstype, source: e.source, ...(server !== undefined ? { server } : {}) };
}

/** Still in the table as the same mount (an id freed by an unmount is soon given to another one). */
function present(entries: readonly MountEntry[], t: MountEntry): boolean {
  return entries.some((e) => e.mountId === t.mountId && e.mountpoint === t.mountpoint && e.device === t.device);
}

/** What the unmount of one mount does, in words (the dry run's steps). */
function describe(e: MountEntry, mode: UnmountMode): string {
  const how =
    unmountKind(e.fstype) === 'fuse'
      ? `abort the FUSE connection of ${e.mountpoint} (${e.fstype}), then unmount it`
      : `force-unmount ${e.mountpoint} (${e.fstype}: MNT_FORCE aborts its requests in flight)`;
  return mode === 'lazy' ? `${how}; detach it if it is still in use` : how;
}

export class UnmountService {
  private readonly readTable: () => Promise<ParsedMountTable>;
  private readonly run: UnmountChildRunner;
  private readonly proc: ProcReader;
  private readonly now: () => number;
  /** One unmount at a time: two at once on one tree would race each other's plans. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly refusalsLogged = new Map<string, number>();

  constructor(private readonly options: UnmountServiceOptions) {
    this.readTable = options.readTable ?? (() => readMountTable());
    this.run = options.run ?? ((request, timeoutMs) => runUnmountChild(request, timeoutMs));
    this.proc = options.proc ?? realProc;
    this.now = options.now ?? Date.now;
  }

  /**
   * Answers one request. Throws IpcError `not-permitted`, `refused` or `not-a-mountpoint` before anything
   * is touched; once it acts it always answers with a result (gone: false and the reason when it failed).
   */
  async unmount(request: UnmountRequest, by: UnmountRequester): Promise<UnmountResult> {
    const { mountpoint, mode } = request;
    if ('peer' in by) {
      const permission = await this.options.whoMay.check(by.peer);
      if (!permission.ok) throw this.refuse('not-permitted', mountpoint, permission.reason, by);
    }
    const foreign = await this.options.namespaceProblem();
    if (foreign) throw this.refuse('refused', mountpoint, foreign, by);

    const first = await this.decide(request, by);
    const result: UnmountResult = {
      mountpoint,
      mode,
      dryRun: request.dryRun === true,
      state: first.status?.state ?? 'unknown',
      plan: first.plan.map(targetOf),
      ...(first.status?.blocked ? { blocked: first.status.blocked } : {}),
      steps: [],
      gone: false,
    };
    if (request.dryRun) {
      const daemon = this.automountDaemon(first.status);
      if (daemon) result.steps.push(`ask the automount daemon (pid ${daemon}) to expire ${mountpoint} first (SIGUSR1)`);
      result.steps.push(...first.plan.map((e) => describe(e, mode)));
      return result;
    }
    const run = this.queue.then(() => this.act(request, by, result));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decide(request: UnmountRequest, by: UnmountRequester): Promise<{ plan: MountEntry[]; status: MountStatus | undefined }> {
    const [table, snapshot] = await Promise.all([this.readTable(), this.options.monitor.snapshot()]);
    const top = topMountAt(table.entries, request.mountpoint);
    const status = top ? snapshot.mounts.find((m) => m.mountId === top.mountId && m.mountpoint === top.mountpoint) : undefined;
    const decision = decideUnmount(table.entries, request.mountpoint, status, request.evenIfHealthy === true);
    if (!decision.ok) throw this.refuse(decision.code, request.mountpoint, decision.reason, by);
    return { plan: decision.plan, status };
  }

  private async act(request: UnmountRequest, by: UnmountRequester, result: UnmountResult): Promise<UnmountResult> {
    const { mode } = request;
    // Decided again inside the queue: an unmount before this one may have changed the table.
    const { plan, status } = await this.decide(request, by);
    result.plan = plan.map(targetOf);
    const target = plan[plan.length - 1]!;
    const cause: UnmountCause = 'peer' in by ? { uid: by.peer.uid } : { notRespondingSeconds: by.policy.notRespondingSeconds };

    if (await this.askAutomountDaemon(status, target, result)) return this.finish(result, plan, target, cause, status, 'expired');

    const deadline = this.options.timeoutMs() + (this.options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS);
    // The mounts under a dead FUSE mount are reached through it: abort it first, so that walking to
    // them fails at once instead of waiting on its daemon.
    if (plan.length > 1 && unmountKind(target.fstype) === 'fuse') {
      const verified = await this.child(target, mode, deadline, result, true);
      if (verified.kind !== 'done') return this.failed(result, target, this.failure(verified, target));
    }
    let outcome: 'unmounted' | 'detached' | 'left' = 'unmounted';
    for (const entry of plan) {
      const answer = await this.child(entry, mode, deadline, result, false);
      const entries = (await this.readTable()).entries;
      if (!present(entries, entry)) {
        if (answer.kind === 'done' && (answer.what === 'detached' || answer.what === 'left') && entry === target) outcome = answer.what;
        // A mount under an aborted FUSE mount: looking its name up failed (ENOTCONN), and the kernel
        // detached it with the dentry it sat on (d_invalidate() detaches the mounts on an invalid dentry).
        if (answer.kind !== 'done') result.steps.push(`${entry.mountpoint}: no longer mounted (detached by the kernel with the aborted mount above it)`);
        continue;
      }
      // A mount under the target that stays is detached with it under --lazy (MNT_DETACH takes the subtree).
      if (entry !== target && mode === 'lazy') continue;
      return this.failed(result, target, await this.explain(answer, entry, entries));
    }
    return this.finish(result, plan, target, cause, status, outcome);
  }

  private async child(entry: MountEntry, mode: UnmountMode, timeoutMs: number, result: UnmountResult, verifyOnly: boolean): Promise<UnmountChildOutcome> {
    const fuse = unmountKind(entry.fstype) === 'fuse';
    const answer = await this.run(
      {
        mountId: entry.mountId,
        device: entry.device,
        mountpoint: entry.mountpoint,
        abortFuse: fuse,
        force: true,
        detachIfBusy: mode === 'lazy',
        verifyOnly,
        busyWaitMs: this.options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS,
      },
      timeoutMs,
    );
    result.steps.push(...answer.steps.map((s) => `${entry.mountpoint}: ${s}`));
    if (answer.kind === 'done' && !verifyOnly) result.steps.push(`${entry.mountpoint}: ${answer.what}`);
    if (answer.kind === 'failed') result.steps.push(`${entry.mountpoint}: failed: ${answer.errno} ${answer.message}`);
    if (answer.kind === 'timed-out') result.steps.push(`${entry.mountpoint}: no answer within ${timeoutMs} ms: child ${answer.pid} killed`);
    return answer;
  }

  private failure(answer: UnmountChildOutcome, entry: MountEntry): string {
    if (answer.kind === 'failed') return `${entry.mountpoint}: ${answer.message} (${answer.errno})`;
    if (answer.kind === 'timed-out') {
      return (
        `${entry.mountpoint}: the unmount did not finish within ${formatSeconds(this.options.timeoutMs() + (this.options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS))}: ` +
        (answer.exited ? `its child process ${answer.pid} was killed` : `its child process ${answer.pid} was sent SIGKILL and is stuck in the kernel until the filesystem lets go`)
      );
    }
    return `${entry.mountpoint} is still mounted`;
  }

  /** The failure in words; for a busy mount, who keeps it busy (found in /proc, no mount touched). */
  private async explain(answer: UnmountChildOutcome, entry: MountEntry, entries: readonly MountEntry[]): Promise<string> {
    const base = this.failure(answer, entry);
    if (answer.kind !== 'failed' || answer.errno !== 'EBUSY') return base;
    const users = await scanUsage({ entries, of: [entry.mountId], proc: this.proc }).catch(() => undefined);
    const user = users?.users.get(entry.mountId);
    const children = entries.filter((e) => e.parentId === entry.mountId).map((e) => e.mountpoint);
    const unexamined = users?.unexamined ?? 0;
    const who = user
      ? `in use by ${this.named(user)}`
      : children.length > 0
        ? `${children.join(', ')} is mounted on it`
        : unexamined > 0
          ? `in use (by whom is not known: the scan's budget left ${count(unexamined, 'process', 'processes')} unexamined)`
          : 'in use';
    return `${entry.mountpoint} is still ${who} after its requests were aborted (--lazy detaches it anyway)`;
  }

  /** "pid 123 cwd" -> "sleep[123] (cwd)". */
  private named(use: string): string {
    const m = /^pid (\d+) (.*)$/.exec(use);
    if (!m) return use;
    const comm = parseProcStat(this.proc.read(`/proc/${m[1]}/stat`))?.comm;
    return `${comm ?? 'pid'}[${m[1]}] (${m[2]})`;
  }

  /** The automount daemon to ask first: the live leader of the autofs mount's process group (not systemd). */
  private automountDaemon(status: MountStatus | undefined): number | undefined {
    const a = status?.automount;
    if (a?.role !== 'automounted' || a.daemonAlive !== true || a.daemonPgrp === undefined || a.daemonPgrp <= 1) return undefined;
    if (a.map !== undefined && /^systemd-\d+$/.test(a.map)) return undefined;
    const s = parseProcStat(this.proc.read(`/proc/${a.daemonPgrp}/stat`));
    return s && s.pgrp === a.daemonPgrp && s.state !== 'Z' ? a.daemonPgrp : undefined;
  }

  /**
   * SIGUSR1 makes the automount daemon expire the unused mounts of its maps now (automount(8), "SIGUSR1").
   * True when that took the target away (it was not in use after all).
   */
  private async askAutomountDaemon(status: MountStatus | undefined, target: MountEntry, result: UnmountResult): Promise<boolean> {
    const pid = this.automountDaemon(status);
    if (pid === undefined) return false;
    try {
      (this.options.signal ?? ((p, s) => process.kill(p, s)))(pid, 'SIGUSR1');
    } catch (err) {
      result.steps.push(`could not signal the automount daemon (pid ${pid}): ${(err as Error).message}`);
      return false;
    }
    this.options.log.line(lines.automountExpireAsked(target.mountpoint, pid));
    result.steps.push(`asked the automount daemon (pid ${pid}) to expire unused mounts (SIGUSR1)`);
    const until = this.now() + (this.options.automountWaitMs ?? DEFAULT_AUTOMOUNT_WAIT_MS);
    while (this.now() < until) {
      await sleep(100);
      if (!present((await this.readTable()).entries, target)) {
        result.steps.push(`the automount daemon expired ${target.mountpoint}`);
        return true;
      }
    }
    result.steps.push(`${target.mountpoint} is still mounted (in use): unmounting it`);
    return false;
  }

  private async finish(
    result: UnmountResult,
    plan: MountEntry[],
    target: MountEntry,
    cause: UnmountCause,
    status: MountStatus | undefined,
    outcome: 'unmounted' | 'detached' | 'expired' | 'left',
  ): Promise<UnmountResult> {
    const entries = (await this.readTable()).entries;
    const left = plan.filter((e) => present(entries, e));
    this.tellMonitor();
    if (left.length > 0) return this.failed(result, target, `${left.map((e) => e.mountpoint).join(', ')} is still mounted`);
    result.gone = true;
    result.outcome = outcome;
    // Expired by its automount daemon: that is the daemon's routine, logged as asked (automountExpireAsked).
    if (outcome === 'left') this.options.log.line(lines.unmountFailed(target.mountpoint, 'someone else unmounted it during the unmount; nothing else was unmounted'));
    else if (outcome !== 'expired') {
      // Those the scan counted but did not name (beyond its list) are taken as released, as before.
      const blocked = status?.blocked?.count ?? 0;
      const stay = await this.stillWaiting(status?.blocked?.processes ?? []);
      if (blocked > 0) {
        result.steps.push(`${blocked - stay.length} of ${blocked} blocked program${blocked === 1 ? '' : 's'} released` + (stay.length > 0 ? `; still blocked until its server answers: ${named(stay)}` : ''));
      }
      this.options.log.line(lines.unmounted(target.mountpoint, serverOf(target), outcome, plan.length - 1, cause, blocked - stay.length, stay));
    }
    return result;
  }

  /**
   * Which of the programs that were blocked on the mount still wait in the kernel (state D) once it is
   * unmounted: an abort ends only the requests in flight, and a detached NFS mount keeps every program
   * already inside it waiting for its server. Given a moment to leave their wait; pids, not paths: the
   * mount is no longer in the table to find them by.
   */
  private async stillWaiting(before: readonly BlockedProcess[]): Promise<BlockedProcess[]> {
    const until = this.now() + (this.options.releaseWaitMs ?? DEFAULT_RELEASE_WAIT_MS);
    for (;;) {
      const stay = before.filter((p) => parseProcStat(this.proc.read(`/proc/${p.pid}/stat`))?.state === 'D');
      if (stay.length === 0 || this.now() >= until) return stay;
      await sleep(100);
    }
  }

  private failed(result: UnmountResult, target: MountEntry, reason: string): UnmountResult {
    this.tellMonitor();
    result.gone = false;
    result.reason = reason;
    this.options.log.line(lines.unmountFailed(target.mountpoint, reason));
    return result;
  }

  /** The monitor reads the table again, so clients hear at once that the mount is gone. */
  private tellMonitor(): void {
    this.options.monitor.rereadTable().catch(() => undefined);
  }

  private refuse(code: 'not-permitted' | 'refused' | 'not-a-mountpoint', mountpoint: string, reason: string, by: UnmountRequester): IpcError {
    const key = 'peer' in by ? `${by.peer.uid}\0${mountpoint}\0${reason}` : `policy\0${mountpoint}\0${reason}`;
    const last = this.refusalsLogged.get(key);
    if (last === undefined || this.now() - last >= REFUSAL_LOG_EVERY_MS) {
      this.refusalsLogged.set(key, this.now());
      if (this.refusalsLogged.size > 1000) this.refusalsLogged.clear();
      this.options.log.line('peer' in by ? lines.unmountRefused(mountpoint, by.peer.uid, reason) : lines.unmountFailed(mountpoint, reason));
    }
    return new IpcError(code, `not unmounting ${mountpoint}: ${reason}`);
  }
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return `${s} second${s === 1 ? '' : 's'}`;
}
