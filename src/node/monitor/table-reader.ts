// How the monitor reads the mount table, and how often. A sweep or recheck reads it afresh; a watch tick
// reuses the last table while the prober's change notices say it is unchanged (reading mountinfo makes
// the kernel print every mount: about 3 ms a second of system time at 1,000 mounts), and reads it anyway
// every TABLE_REREAD_MS. The injected reader returns the very same object while the table is unchanged
// (see createMountTableReader), so callers tell "unchanged" by identity.
import type { ParsedMountTable } from '../../common/mount.js';
import { MountTableUnreadableError } from '../mount-table/read-mount-table.js';
import type { Prober } from '../probe/prober.js';
import type { MonitorLog } from './monitor-log.js';

/** A table as read, with where it came from (/proc/self/mountinfo) for the log. */
export type TableRead = ParsedMountTable & { from?: string };

/** Watch ticks read the table at least this often, change notices or not. */
const TABLE_REREAD_MS = 30_000;

export class TableReader {
  /** The prober tells us when the mount table changes: ticks need not read it until then. */
  private notices = false;
  private mayHaveChanged = true;
  private last: { table: TableRead; readAt: number } | undefined;
  private sharedRead: Promise<TableRead> | undefined;

  constructor(
    private readonly read: () => Promise<TableRead>,
    private readonly now: () => number,
    private readonly log: MonitorLog,
  ) {}

  /** Takes the prober's change notices, when it gives them. */
  listen(prober: Prober): void {
    if (!prober.onTableChange) return;
    this.notices = true;
    prober.onTableChange(() => (this.mayHaveChanged = true));
  }

  /** Reads the table now; a sweep or recheck that cannot logs it (a watch tick stays quiet: the next sweep says it). */
  async fresh(logFailure = true): Promise<TableRead> {
    try {
      // Cleared before the read: a change during it sets it again, and the next tick reads once more.
      this.mayHaveChanged = false;
      const readAt = this.now();
      const table = await this.read();
      this.last = { table, readAt };
      return table;
    } catch (err) {
      this.mayHaveChanged = true;
      const error = err instanceof Error ? err : new Error(String(err));
      if (logFailure) {
        this.log.tableUnreadable(
          error instanceof MountTableUnreadableError
            ? { table: error.table, errno: error.code, reason: error.reason }
            : { errno: (error as NodeJS.ErrnoException).code, reason: error.message },
        );
      }
      throw error;
    }
  }

  /** For a watch tick: the last table while no notice says it changed and it is recent, else a fresh read. */
  recent(): Promise<TableRead> {
    const last = this.last;
    if (this.notices && !this.mayHaveChanged && last && this.now() - last.readAt < TABLE_REREAD_MS) return Promise.resolve(last.table);
    return this.fresh(false);
  }

  /** A fresh read shared by the callers asking meanwhile (mounts vanishing together, an unmount of a tree). */
  shared(): Promise<TableRead> {
    this.sharedRead ??= this.read().finally(() => (this.sharedRead = undefined));
    return this.sharedRead;
  }
}
