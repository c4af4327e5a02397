// Reconnect delays: exponential, capped, with jitter so many apps restarting together (a helper restart
// seen by every logged-in user) do not reconnect in lockstep. "Equal jitter": half the step fixed, half
// random, so a retry never comes immediately.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** Delay before retry number `attempt` (0 = first retry); random() in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const step = Math.min(options.maxMs, options.initialMs * Math.pow(options.factor, Math.min(attempt, 60)));
  return Math.round(step / 2 + random() * (step / 2));
}
