// Refused connections, summarised. A client that connects and hangs up in a loop while its quota is full
// is refused thousands of times a second, and a line for each flooded syslog (~9,500 lines a second
// were measured). So the first refusal of a (uid, reason) after a quiet spell is logged at once, the
// ones after it are counted and logged as one line when its window closes, and while the flood goes on
// each window is twice as long as the last (up to maxWindowMs): a flood of any length is a handful of
// lines. Memory is one counter per (uid, reason), at most maxKeys of them; past that, refusals are
// counted together as "several users".
import { refusedClient, refusedClients, type RefusedWho } from '../log/lines.js';
import type { IpcClock } from './ipc-clock.js';
import type { Log } from '../log/log.js';

export interface RefusalLogOptions {
  windowMs: number;
  maxWindowMs: number;
  maxKeys: number;
}

const DEFAULTS: RefusalLogOptions = { windowMs: 5000, maxWindowMs: 5 * 60_000, maxKeys: 64 };

interface Window {
  who: RefusedWho;
  reason: string;
  /** Refusals since `since`, the first one (logged on its own) included in the first window. */
  count: number;
  /** The first window: its first refusal has been logged already. */
  first: boolean;
  since: number;
  ms: number;
  timer: unknown;
}

export class RefusalLog {
  private readonly windows = new Map<string, Window>();
  private readonly opts: RefusalLogOptions;

  constructor(
    private readonly log: Log,
    private readonly clock: IpcClock,
    options: Partial<RefusalLogOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /** One refused connection; `uid` undefined when the kernel could not say whose it was. */
  refused(uid: number | undefined, reason: string, detail?: string): void {
    let who: RefusedWho = uid;
    let key = `${uid}:${reason}`;
    if (!this.windows.has(key) && this.windows.size >= this.opts.maxKeys) {
      who = 'several';
      key = `several:${reason}`;
    }
    const open = this.windows.get(key);
    if (open) {
      open.count++;
      return;
    }
    this.log.line(refusedClient(who, detail === undefined ? reason : `${reason}: ${detail}`));
    const w: Window = { who, reason, count: 1, first: true, since: this.clock.now(), ms: this.opts.windowMs, timer: undefined };
    this.windows.set(key, w);
    this.arm(key, w);
  }

  /** Logs what is still counted and stops the timers (the server is closing). */
  close(): void {
    for (const w of this.windows.values()) {
      this.clock.clearTimeout(w.timer);
      this.summarise(w);
    }
    this.windows.clear();
  }

  private arm(key: string, w: Window): void {
    w.timer = this.clock.setTimeout(() => {
      if (this.unlogged(w) === 0) {
        this.windows.delete(key); // quiet: the next refusal is logged at once again
        return;
      }
      this.summarise(w);
      w.ms = Math.min(w.ms * 2, this.opts.maxWindowMs);
      this.arm(key, w);
    }, w.ms);
  }

  private unlogged(w: Window): number {
    return w.count - (w.first ? 1 : 0);
  }

  /** "Refused 19,000 IPC clients … in the last 5 seconds": every refusal of the window, the first one too. */
  private summarise(w: Window): void {
    const now = this.clock.now();
    if (this.unlogged(w) > 0) this.log.line(refusedClients(w.count, w.who, (now - w.since) / 1000, w.reason));
    w.count = 0;
    w.first = false;
    w.since = now;
  }
}
