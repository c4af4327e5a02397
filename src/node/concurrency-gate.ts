// At most N tasks at once; the rest wait in arrival order. Used so a sweep of thousands of mounts does not
// start thousands of probe children at the same instant (a hung one frees its place at its timeout).
export class ConcurrencyGate {
  private running = 0;
  /** Waiters from `head` on; a queue by index, since Array#shift is O(n) and a sweep queues thousands. */
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(private readonly max: () => number) {}

  /** Takes a place at once if one is free (the caller must leave() once done); false when it must wait(). */
  tryEnter(): boolean {
    if (this.running >= this.max()) return false;
    this.running++;
    return true;
  }

  /** Resolves when a place is handed to the caller; it must call leave() once done. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the place to the next waiter, or frees it. */
  leave(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++]!;
      if (this.head === this.waiting.length) {
        this.waiting = [];
        this.head = 0;
      }
      next();
    } else this.running--;
  }
}
