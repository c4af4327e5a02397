// The syslog writer's bounded queue of encoded lines: oldest first, the oldest dropped when full (the
// caller counts drops, to say so where the gap is). An index walks the array instead of shift()ing it,
// and the array is compacted once the walked part is most of it.
export class LineQueue {
  private lines: string[] = [];
  private head = 0;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.lines.length - this.head;
  }

  /** Adds a line; true when the oldest was dropped to make room. */
  push(line: string): boolean {
    this.lines.push(line);
    const dropped = this.length > this.max;
    if (dropped) this.head++;
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  /** The oldest line, removed; undefined when empty. */
  shift(): string | undefined {
    if (this.head >= this.lines.length) return undefined;
    const line = this.lines[this.head]!;
    this.lines[this.head++] = '';
    if (this.head === this.lines.length) this.clear();
    return line;
  }

  /** Every line, oldest first, and the queue empty. */
  takeAll(): string[] {
    const all = this.lines.slice(this.head);
    this.clear();
    return all;
  }

  private clear(): void {
    this.lines = [];
    this.head = 0;
  }
}
