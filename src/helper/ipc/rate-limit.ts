// Per-client limits: a token bucket for rechecks (each recheck forks probes, so it costs the helper real
// work) and a fixed one-second window for the raw message rate.

export interface BucketSpec {
  /** Tokens available at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly spec: BucketSpec,
    private readonly now: () => number,
  ) {
    this.tokens = spec.burst;
    this.last = now();
  }

  take(): TakeResult {
    const t = this.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((t - this.last) / 1000) * this.spec.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const retryAfterMs = this.spec.perSecond > 0 ? Math.ceil(((1 - this.tokens) / this.spec.perSecond) * 1000) : Number.MAX_SAFE_INTEGER;
    return { ok: false, retryAfterMs };
  }
}

/** Counts events in the current one-second window; `hit()` says whether the limit is now exceeded. */
export class RateWindow {
  private start: number;
  private count = 0;

  constructor(
    private readonly maxPerSecond: number,
    private readonly now: () => number,
  ) {
    this.start = now();
  }

  hit(): boolean {
    const t = this.now();
    if (t - this.start >= 1000) {
      this.start = t;
      this.count = 0;
    }
    this.count += 1;
    return this.count > this.maxPerSecond;
  }
}
