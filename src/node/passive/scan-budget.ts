// How much of /proc one scan may read, in all and for the processes of one user, and the pacing that
// gives the event loop its turn between small slices of that work. Any user can open half a million
// files (a systemd user session allows 524,288 fds) or start thousands of threads: reading all of them
// every few seconds, in one go, kept the helper from answering its clients for seconds.

export interface ScanLimits {
  /** /proc reads (a file, a link, a directory entry) one scan may make in all. */
  scanReads: number;
  /** And for the processes of one user (real uid), so one user cannot spend everyone's share. */
  userReads: number;
  /** Work at most this long before the event loop gets its turn. */
  sliceMs: number;
}

/**
 * A read costs 3-10 µs of CPU (a readlink in /proc/PID/fd ~8 µs, a status file up to 40 µs, on a busy
 * two-core machine): at most ~0.1 s of work a scan, one each 5 s, and ~20 ms of it for one user (about
 * 1,000 open files after cwd, root and exe). A slice may run over by one directory read (glibc reads
 * ~1,000 names of /proc/PID/fd at once: a few ms).
 */
export const SCAN_LIMITS: ScanLimits = { scanReads: 10_000, userReads: 2_000, sliceMs: 2 };

export class ScanBudget {
  private scanLeft: number;
  private readonly userSpent = new Map<number, number>();
  private sliceStart = performance.now();

  constructor(private readonly limits: ScanLimits) {
    this.scanLeft = limits.scanReads;
  }

  /** Reads left for `uid` (and the scan); without a uid, the scan's. */
  left(uid?: number): number {
    if (uid === undefined) return this.scanLeft;
    return Math.max(0, Math.min(this.scanLeft, this.limits.userReads - (this.userSpent.get(uid) ?? 0)));
  }

  /** Takes `reads` for `uid` (and the scan) when that many are left; false (nothing taken) when not. */
  take(reads: number, uid?: number): boolean {
    if (this.left(uid) < reads) return false;
    this.scanLeft -= reads;
    if (uid !== undefined) this.userSpent.set(uid, (this.userSpent.get(uid) ?? 0) + reads);
    return true;
  }

  /** Yields to the event loop once the current slice has run its time. */
  async pace(): Promise<void> {
    if (performance.now() - this.sliceStart < this.limits.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
