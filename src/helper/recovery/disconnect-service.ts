// Carries out `mountstatus disconnect` (a client over the socket), the tray's Disconnect of a user's own
// home, and `recover … shutdown` rules: disconnects a dead NFS mount from its server with the kernel's
// NFS shutdown (nfs-shutdown.ts), which fails every waiting and future request of its superblock with EIO
// at once, so every program waiting on it is freed, and the mount stays in the table, marked
// `disconnected`. Mounts of the same server filesystem share a superblock (unless nosharecache): all of
// them are named before and disconnected together.
//
// The same rules as unmount-service.ts: the identified mount only (by mount id and device, in a child,
// msm-nfs-shutdown), never one recovery-rules.ts excludes, a dead one unless asked (--yes). Who: root and
// the admin-group; a user on their own home only, when `disconnect-own-home = yes`, and only when every
// mount of the superblock lies in that home (a /home shared by everyone is not one user's to cut).
// On a kernel without the knob (before Linux 6.6) it falls back to `mountstatus unmount` (force, or lazy
// with --then-unmount) for root and the admin-group, and says what that could not free.
import { release } from 'node:os';
import type { Snapshot } from '../../common/monitor-api.js';
import type { BlockedProcess, MountEntry, MountStatus, ParsedMountTable } from '../../common/mount.js';
import { IpcError } from '../../common/protocol.js';
import type { NfsDisconnectResult } from '../../common/recovery.js';
import { neverUnmountReason, topMountAt } from '../../common/recovery-rules.js';
import { isUnder } from '../../common/mount-table/path-to-mount.js';
import { serverOf } from '../../common/mount-table/server.js';
import { readMountTable } from '../../node/mount-table/read-mount-table.js';
import { scanBlocked } from '../../node/passive/blocked-processes.js';
import { isNfsClientFstype, shutdownKnob } from '../../node/passive/nfs-shutdown.js';
import { descendantsOf } from '../../node/monitor/plan-refiners.js';
import * as lines from '../log/lines.js';
import type { UnmountCause } from '../log/lines.js';
import type { Log } from '../log/log.js';
import type { PeerCredentials } from '../ipc/peer.js';
import type { Permission } from './who-may-unmount.js';
import { runNfsShutdownChild, type NfsShutdownRunner } from './nfs-shutdown-child.js';
import type { UnmountRequester, UnmountService } from './unmount-service.js';
import { isFailing } from '../../common/state-classes.js';

export interface DisconnectRequest {
  mountpoint: string;
  /** Afterwards, unmount it lazily so that a new mount can take its place. */
  thenUnmount?: boolean;
  evenIfHealthy?: boolean;
  dryRun?: boolean;
}

export interface DisconnectServiceOptions {
  monitor: { snapshot(): Promise<Snapshot>; recheck(mountpoint?: string): Promise<unknown> };
  whoMay: { check(peer: PeerCredentials): Promise<Permission> };
  /** Whether a user may disconnect their own home (`disconnect-own-home`). */
  ownHomeAllowed: () => boolean;
  /** A user's home directory from the user database (a child under a deadline: user-db.ts). */
  homeOf: (uid: number) => Promise<string | undefined>;
  namespaceProblem: () => Promise<string | undefined>;
  /** Deadline for the child, ms (the probe timeout). */
  timeoutMs: () => number;
  unmount: Pick<UnmountService, 'unmount'>;
  log: Log;
  readTable?: () => Promise<ParsedMountTable>;
  run?: NfsShutdownRunner;
  /** The programs blocked on these mounts now (default: scanBlocked, leaving out our own children). */
  blocked?: (entries: readonly MountEntry[], ids: readonly number[]) => Promise<BlockedProcess[]>;
  /** How long the freed programs are given to leave their wait (the issue measured 0.16–0.41 s). */
  releaseWaitMs?: number;
  kernelRelease?: string;
}

const DEFAULT_RELEASE_WAIT_MS = 1000;
/** A refusal for one requester and mountpoint is logged at most this often (a script retrying in a loop). */
const REFUSAL_LOG_EVERY_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function blockedNow(entries: readonly MountEntry[], ids: readonly number[]): Promise<BlockedProcess[]> {
  // Our own children (probes stuck in the mount) are not the user's programs.
  const found = await scanBlocked({ entries, targets: ids, excludePids: descendantsOf(process.pid) });
  const byPid = new Map<number, BlockedProcess>();
  for (const list of found.byMount.values()) for (const p of list) byPid.set(p.pid, p);
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

const named = (ps: readonly BlockedProcess[]) => ps.map((p) => `${p.comm}[${p.pid}]`).join(', ');

interface Decision {
  target: MountEntry;
  sharing: MountEntry[];
  status: MountStatus | undefined;
  /** A user acting on their own home (not root or the admin-group). */
  asOwner: boolean;
}

export class DisconnectService {
  private readonly readTable: () => Promise<ParsedMountTable>;
  private readonly run: NfsShutdownRunner;
  private readonly blocked: (entries: readonly MountEntry[], ids: readonly number[]) => Promise<BlockedProcess[]>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly refusalsLogged = new Map<string, number>();

  constructor(private readonly options: DisconnectServiceOptions) {
    this.readTable = options.readTable ?? (() => readMountTable());
    this.run = options.run ?? ((mount, timeoutMs) => runNfsShutdownChild(mount, timeoutMs));
    this.blocked = options.blocked ?? blockedNow;
  }

  /** Throws IpcError `not-permitted`, `refused` or `not-a-mountpoint` before anything is touched. */
  async disconnect(request: DisconnectRequest, by: UnmountRequester): Promise<NfsDisconnectResult> {
    const first = await this.decide(request, by);
    const result: NfsDisconnectResult = {
      mountpoint: request.mountpoint,
      dryRun: request.dryRun === true,
      state: first.status?.state ?? 'unknown',
      method: 'shutdown',
      sharing: first.sharing.map((e) => e.mountpoint),
      ...(first.status?.blocked ? { blocked: first.status.blocked } : {}),
      steps: [],
      disconnected: false,
      unmounted: false,
    };
    if (request.dryRun) {
      const others = first.sharing.slice(1).map((e) => e.mountpoint);
      result.steps.push(`shut down the NFS client of ${first.target.mountpoint} (${first.target.source}, device ${first.target.device}): every request on it fails with EIO from then on, and the programs waiting on it are freed; it has no undo`);
      if (others.length > 0) result.steps.push(`${others.join(', ')} ${others.length === 1 ? 'shares' : 'share'} its superblock and ${others.length === 1 ? 'is' : 'are'} disconnected with it`);
      if (request.thenUnmount) result.steps.push(`then unmount ${first.target.mountpoint} lazily, so that it can be mounted again`);
      return result;
    }
    const run = this.queue.then(() => this.act(request, by, result));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decide(request: DisconnectRequest, by: UnmountRequester): Promise<Decision> {
    const { mountpoint } = request;
    let asOwner = false;
    if ('peer' in by) {
      const permission = await this.options.whoMay.check(by.peer);
      if (!permission.ok) {
        if (!this.options.ownHomeAllowed()) throw this.refuse('not-permitted', mountpoint, permission.reason.replace(/unmount/g, 'disconnect'), by, request.dryRun);
        if (request.thenUnmount) throw this.refuse('not-permitted', mountpoint, '--then-unmount is for root and the admin-group', by, request.dryRun);
        asOwner = true;
      }
    }
    const foreign = await this.options.namespaceProblem();
    if (foreign) throw this.refuse('refused', mountpoint, foreign, by, request.dryRun);
    const [table, snapshot] = await Promise.all([this.readTable(), this.options.monitor.snapshot()]);
    const target = topMountAt(table.entries, mountpoint);
    if (!target) throw this.refuse('not-a-mountpoint', mountpoint, 'it is not a mountpoint', by, request.dryRun);
    const never = neverUnmountReason(target);
    if (never) throw this.refuse('refused', mountpoint, never, by, request.dryRun);
    if (!isNfsClientFstype(target.fstype)) {
      throw this.refuse('refused', mountpoint, `it is not an NFS mount (${target.fstype}): only NFS has a shutdown; \`mountstatus unmount\` aborts other network and FUSE mounts`, by, request.dryRun);
    }
    const status = snapshot.mounts.find((m) => m.mountId === target.mountId && m.mountpoint === target.mountpoint);
    if (!request.evenIfHealthy && status?.state !== 'disconnected') {
      if (!status) throw this.refuse('refused', mountpoint, 'the monitor does not check it, so it is not known to be dead (add --yes to disconnect it anyway)', by, request.dryRun);
      if (!isFailing(status.state)) throw this.refuse('refused', mountpoint, `it is ${status.state} (add --yes to disconnect it anyway)`, by, request.dryRun);
    }
    const sharing = [target, ...table.entries.filter((e) => e.device === target.device && e !== target)];
    if (asOwner && 'peer' in by) {
      const home = await this.options.homeOf(by.peer.uid);
      if (home === undefined) throw this.refuse('not-permitted', mountpoint, `uid ${by.peer.uid} is not in the user database (or it did not answer)`, by, request.dryRun);
      const foreignMount = sharing.find((e) => !isUnder(e.mountpoint, home));
      if (foreignMount) {
        const why = foreignMount === target ? `${mountpoint} is not in your home ${home}` : `${foreignMount.mountpoint} shares its superblock and is not in your home ${home}`;
        throw this.refuse('not-permitted', mountpoint, `${why}: only root and the admin-group may disconnect it`, by, request.dryRun);
      }
    }
    return { target, sharing, status, asOwner };
  }

  private async act(request: DisconnectRequest, by: UnmountRequester, result: NfsDisconnectResult): Promise<NfsDisconnectResult> {
    // Decided again inside the queue: the one before may have changed the table.
    const { target, sharing, status, asOwner } = await this.decide(request, by);
    result.sharing = sharing.map((e) => e.mountpoint);
    const cause: UnmountCause = 'peer' in by ? { uid: by.peer.uid } : { notRespondingSeconds: by.policy.notRespondingSeconds };
    const entries = (await this.readTable()).entries;
    const ids = sharing.map((e) => e.mountId);
    const before = await this.blocked(entries, ids).catch(() => []);
    result.blocked = { count: before.length, processes: before };
    if (sharing.length > 1) result.steps.push(`${target.mountpoint} shares its superblock (device ${target.device}) with ${sharing.slice(1).map((e) => e.mountpoint).join(', ')}: all are disconnected`);

    const answer = await this.run({ mountId: target.mountId, device: target.device }, this.options.timeoutMs());
    result.steps.push(...answer.steps);
    if (answer.kind === 'failed' && answer.errno === 'ENOSYS') return this.fallback(request, by, result, target, entries, ids, asOwner);
    if (answer.kind === 'failed') return this.failed(result, target, `${answer.message} (${answer.errno})`);
    result.disconnected = true;
    if (answer.what === 'already') result.steps.push(`${target.mountpoint} was disconnected already`);

    const stay = await this.waitForRelease(entries, ids, before);
    result.released = before.length - stay.length;
    result.stay = stay;
    result.steps.push(`${result.released} of ${before.length} blocked program${before.length === 1 ? '' : 's'} released` + (stay.length > 0 ? `; still blocked: ${named(stay)}` : ''));
    if (answer.what === 'shutdown') {
      this.options.log.line(lines.disconnected(target.mountpoint, serverOf(target), result.released, stay, result.sharing.slice(1), cause));
    }
    await this.options.monitor.recheck(target.mountpoint).catch(() => undefined);
    if (request.thenUnmount) {
      const unmounted = await this.options.unmount.unmount({ mountpoint: target.mountpoint, mode: 'lazy', evenIfHealthy: true }, by).catch((err: Error) => {
        result.steps.push(`unmount: ${err.message}`);
        return undefined;
      });
      if (unmounted) result.steps.push(...unmounted.steps);
      result.unmounted = unmounted?.gone === true;
      if (!result.unmounted) result.reason = `it is disconnected, but still mounted: ${unmounted?.reason ?? 'the unmount was refused'}`;
    }
    return result;
  }

  /** The freed programs leave their wait within a fraction of a second: those still blocked after the wait stay. */
  private async waitForRelease(entries: readonly MountEntry[], ids: readonly number[], before: readonly BlockedProcess[]): Promise<BlockedProcess[]> {
    if (before.length === 0) return [];
    const until = Date.now() + (this.options.releaseWaitMs ?? DEFAULT_RELEASE_WAIT_MS);
    for (;;) {
      const now = new Set((await this.blocked(entries, ids).catch(() => [])).map((p) => p.pid));
      const stay = before.filter((p) => now.has(p.pid));
      if (stay.length === 0 || Date.now() >= until) return stay;
      await sleep(100);
    }
  }

  /** No knob on this kernel: what `mountstatus unmount` can do, and plainly what it cannot. */
  private async fallback(
    request: DisconnectRequest,
    by: UnmountRequester,
    result: NfsDisconnectResult,
    target: MountEntry,
    entries: readonly MountEntry[],
    ids: readonly number[],
    asOwner: boolean,
  ): Promise<NfsDisconnectResult> {
    const kernel = `this kernel (${this.options.kernelRelease ?? release()}) has no NFS shutdown (no ${shutdownKnob(target.device)}: Linux 6.6 added it)`;
    if (asOwner) {
      return this.failed(result, target, `${kernel}; an administrator can force-unmount it instead: sudo mountstatus unmount --force ${target.mountpoint}`);
    }
    result.method = request.thenUnmount ? 'lazy' : 'force';
    result.steps.push(`${kernel}: unmounting it (${result.method}) instead`);
    const unmounted = await this.options.unmount.unmount({ mountpoint: target.mountpoint, mode: result.method, evenIfHealthy: true }, by).catch((err: Error) => {
      result.steps.push(`unmount: ${err.message}`);
      return undefined;
    });
    if (unmounted) result.steps.push(...unmounted.steps);
    result.unmounted = unmounted?.gone === true;
    const before = result.blocked?.processes ?? [];
    const now = new Set((await this.blocked(entries, ids).catch(() => [])).map((p) => p.pid));
    const stay = before.filter((p) => now.has(p.pid));
    result.released = before.length - stay.length;
    result.stay = stay;
    const what = result.unmounted
      ? result.method === 'lazy'
        ? 'it is detached (umount -l), but the programs already inside it stay frozen until the server answers'
        : 'it is force-unmounted (umount -f aborted the requests in flight)'
      : `umount -f aborted only the requests in flight and it is still mounted (${unmounted?.reason ?? 'refused'}): the next access blocks again`;
    const staying = stay.length > 0 ? `; ${stay.length} program${stay.length === 1 ? '' : 's'} stay blocked until the server answers: ${named(stay)}` : '';
    return this.failed(result, target, `${kernel}: ${what}${staying}`);
  }

  private failed(result: NfsDisconnectResult, target: MountEntry, reason: string): NfsDisconnectResult {
    result.reason = reason;
    this.options.log.line(lines.disconnectFailed(target.mountpoint, reason));
    this.options.monitor.recheck(target.mountpoint).catch(() => undefined);
    return result;
  }

  /** `quiet`: a dry run (the tray asks one to learn what it may offer) logs nothing. */
  private refuse(code: 'not-permitted' | 'refused' | 'not-a-mountpoint', mountpoint: string, reason: string, by: UnmountRequester, quiet = false): IpcError {
    if (quiet) return new IpcError(code, `not disconnecting ${mountpoint}: ${reason}`);
    const key = `${'peer' in by ? by.peer.uid : 'policy'}\0${mountpoint}\0${reason}`;
    const last = this.refusalsLogged.get(key);
    if (last !== undefined && Date.now() - last < REFUSAL_LOG_EVERY_MS) return new IpcError(code, `not disconnecting ${mountpoint}: ${reason}`);
    if (this.refusalsLogged.size > 1000) this.refusalsLogged.clear();
    this.refusalsLogged.set(key, Date.now());
    this.options.log.line('peer' in by ? lines.disconnectRefused(mountpoint, by.peer.uid, reason) : lines.disconnectFailed(mountpoint, reason));
    return new IpcError(code, `not disconnecting ${mountpoint}: ${reason}`);
  }
}
