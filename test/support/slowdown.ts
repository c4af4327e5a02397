// How many times slower than the machines the tests' time bounds were set on this one runs: the lab's
// guest under software emulation says so in MSM_TEST_SLOWDOWN (test/support/lab.ts), elsewhere it is 1.
// Deadlines for something to happen (a daemon's first sweep, a mount to appear) scale by it; figures a
// test asserts about the product's own timing do not.
export function slowdown(): number {
  const n = Number(process.env.MSM_TEST_SLOWDOWN ?? '1');
  return Number.isFinite(n) && n >= 1 ? n : 1;
}

/** A deadline of `ms` on the machines the bounds were set on, here. */
export function scaled(ms: number): number {
  return ms * slowdown();
}
