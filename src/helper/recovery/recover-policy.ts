// The recover policy: opt-in rules (config key `recover`, repeatable, none by default) that unmount a
// mount once it has not responded for a while, as the original's author planned ("attempt umount -f ...
// to reduce the number of applications which hit a dead mountpoint"):
//
//   recover = fstype:fuse.sshfs after 5m force
//   recover = /mnt/scratch/** after 90s lazy
//   recover = fstype:nfs4 after 2m shutdown
//
// PATTERN is a mountpoint glob or fstype:PATTERN (as include/exclude); DURATION a number with s, m or h
// (seconds without); then force or lazy (recovery.ts), or shutdown: disconnect an NFS mount from its
// server (disconnect-service.ts; on a kernel without NFS shutdown, a force-unmount). The first rule matching a mount decides. Each
// mount is tried once per outage (a failed try is logged and not repeated until the mount has answered
// again), and at most RATE_LIMIT tries happen per RATE_WINDOW over all mounts: a server outage that takes
// 200 mounts with it must not become 200 unmounts in a second. The unmount itself is the same as
// `mountstatus unmount` (unmount-service.ts), with the same refusals.
import type { MonitorEvent, Snapshot } from '../../common/monitor-api.js';
import type { MountStatus } from '../../common/mount.js';
import { UNMOUNT_MODES, type DisconnectMethod } from '../../common/recovery.js';
import { matchesAnyPattern } from '../../common/mount-table/scope.js';
import * as lines from '../log/lines.js';
import type { Log } from '../log/log.js';
import { isFailing } from '../../common/state-classes.js';

export interface RecoverRule {
  /** Mountpoint glob or fstype:PATTERN. */
  pattern: string;
  afterSeconds: number;
  /** force or lazy: unmount; shutdown: disconnect (NFS). */
  mode: DisconnectMethod;
}

const RULE_ACTIONS: readonly DisconnectMethod[] = [...UNMOUNT_MODES, 'shutdown'];

/** Tries per window, over all mounts. */
const RATE_LIMIT = 3;
const RATE_WINDOW_MS = 10 * 60_000;
/** How often due rules are looked for. */
const TICK_MS = 1000;

/** "5m" -> 300, "90s" -> 90, "1.5h" -> 5400, "30" -> 30; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return n > 0 && n <= 7 * 86_400 ? n : undefined;
}

/** Parses one `recover` value; throws an Error saying what is wrong. */
export function parseRecoverRule(text: string): RecoverRule {
  const m = /^(.+?)\s+after\s+(\S+)\s+(\S+)$/.exec(text.trim());
  if (!m) throw new Error(`recover: expected "GLOB|fstype:PATTERN after DURATION force|lazy|shutdown", got ${JSON.stringify(text)}`);
  const [, pattern, duration, mode] = m as unknown as [string, string, string, string];
  const afterSeconds = parseDuration(duration);
  if (afterSeconds === undefined) throw new Error(`recover: ${JSON.stringify(duration)} is not a duration (e.g. 90s, 5m, 1h; at most 7 days)`);
  if (!(RULE_ACTIONS as readonly string[]).includes(mode)) throw new Error(`recover: ${JSON.stringify(mode)} must be force, lazy or shutdown`);
  if (pattern === 'fstype:') throw new Error('recover: fstype: needs a PATTERN');
  return { pattern, afterSeconds, mode: mode as DisconnectMethod };
}

export interface RecoverPolicyOptions {
  rules: RecoverRule[];
  monitor: { snapshot(): Promise<Snapshot>; onChange(listener: (event: MonitorEvent) => void): () => void };
  /** Unmounts (or disconnects) one mount for a rule (unmount-service.ts, disconnect-service.ts); rejects when refused. */
  act: (mount: MountStatus, rule: RecoverRule, notRespondingSeconds: number) => Promise<unknown>;
  log: Log;
  now?: () => number;
  rateLimit?: number;
  rateWindowMs?: number;
}

interface Outage {
  status: MountStatus;
  /** When it stopped responding. */
  since: number;
  /** Tried in this outage (the mount is not tried again until it has answered). */
  tried: boolean;
  postponedSaid: boolean;
}

export class RecoverPolicy {
  private rules: RecoverRule[];
  private readonly now: () => number;
  private readonly outages = new Map<number, Outage>();
  private readonly tries: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private busy = false;

  constructor(private readonly options: RecoverPolicyOptions) {
    this.rules = options.rules;
    this.now = options.now ?? Date.now;
  }

  /** Replaces the rules (SIGHUP). With none the policy does nothing at all. */
  setRules(rules: RecoverRule[]): void {
    this.rules = rules;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.options.monitor.onChange((e) => this.onEvent(e));
    for (const m of (await this.options.monitor.snapshot()).mounts) this.onEvent({ type: 'mount', mount: m, previous: null });
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    this.timer = this.unsubscribe = undefined;
  }

  private onEvent(event: MonitorEvent): void {
    if (event.type === 'removed') {
      for (const [id, o] of this.outages) if (o.status.mountpoint === event.mountpoint) this.outages.delete(id);
      return;
    }
    if (event.type !== 'mount') return;
    const m = event.mount;
    if (!isFailing(m.state)) {
      this.outages.delete(m.mountId);
      return;
    }
    const known = this.outages.get(m.mountId);
    if (known && known.status.mountpoint === m.mountpoint) known.status = m;
    else this.outages.set(m.mountId, { status: m, since: m.since, tried: false, postponedSaid: false });
  }

  /** Tries the due mounts, one at a time. */
  async tick(): Promise<void> {
    if (this.busy || this.rules.length === 0) return;
    this.busy = true;
    try {
      for (const outage of [...this.outages.values()]) {
        if (outage.tried) continue;
        const rule = this.rules.find((r) => matchesAnyPattern([r.pattern], outage.status));
        if (!rule) continue;
        const down = (this.now() - outage.since) / 1000;
        if (down < rule.afterSeconds) continue;
        if (!this.takeTry()) {
          if (!outage.postponedSaid) {
            outage.postponedSaid = true;
            this.options.log.line(lines.recoverPostponed(outage.status.mountpoint, this.options.rateLimit ?? RATE_LIMIT, (this.options.rateWindowMs ?? RATE_WINDOW_MS) / 1000));
          }
          continue;
        }
        outage.tried = true;
        // The service logs what it did, or why not.
        await this.options.act(outage.status, rule, down).catch(() => undefined);
      }
    } finally {
      this.busy = false;
    }
  }

  private takeTry(): boolean {
    const window = this.options.rateWindowMs ?? RATE_WINDOW_MS;
    const now = this.now();
    while (this.tries.length > 0 && now - this.tries[0]! >= window) this.tries.shift();
    if (this.tries.length >= (this.options.rateLimit ?? RATE_LIMIT)) return false;
    this.tries.push(now);
    return true;
  }
}
