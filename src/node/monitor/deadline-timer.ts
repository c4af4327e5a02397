// Many deadlines on one timer (set for the earliest of them), not one timer each: the monitor marks a
// probe still unanswered after slow-after with it, so a sweep of thousands of mounts arms one timer.
export class DeadlineTimer {
  private readonly pending = new Map<number, { at: number; fire: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly now: () => number) {}

  /** Calls `fire` at `at` (epoch ms) unless done(key) comes first. One entry per key. */
  track(key: number, at: number, fire: () => void): void {
    this.pending.set(key, { at, fire });
    this.arm(at);
  }

  done(key: number): void {
    this.pending.delete(key);
    if (this.pending.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
    }
  }

  clear(): void {
    this.pending.clear();
    this.done(-1);
  }

  private arm(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.run(), Math.max(0, at - this.now()));
    // The probes themselves keep the process alive while they run; this timer must not on its own.
    this.timer.unref();
  }

  private run(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    let next = Infinity;
    for (const [key, p] of this.pending) {
      if (p.at <= now) {
        this.pending.delete(key);
        p.fire();
      } else next = Math.min(next, p.at);
    }
    if (next !== Infinity) this.arm(next);
  }
}
