// At most N tasks at once; the rest wait in arrival order. Used so a sweep of thousands of mounts does not
// start thousands of probe children at the same instant (a hung one frees its place at its timeout).
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: () => number) {}

  /** Resolves when the caller may run; it must call leave() once done. */
  enter(): Promise<void> {
    if (this.running < this.max()) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the place to the next waiter, or frees it. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
