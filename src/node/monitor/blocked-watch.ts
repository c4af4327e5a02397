// Which processes wait on the mounts that are not answering, looked up in /proc (never on a mount):
// first soon after a mount stops answering (they block one by one), then again while any still does.
// One scan at a time covers every such mount; the monitor attaches each mount's list to its status.
import type { BlockedProcesses, MountEntry, MountStatus } from '../../common/mount.js';
import { isUnanswered } from '../../common/state-classes.js';
import type { BlockedScan } from '../passive/blocked-processes.js';

/** First look for blocked processes this soon after a mount stops answering. */
const BLOCKED_FIRST_SCAN_MS = 500;
/** Then again this often while it stays so. */
const BLOCKED_RESCAN_MS = 5000;

export type ScanBlocked = (entries: readonly MountEntry[], targets: readonly number[]) => Promise<BlockedScan>;

export interface BlockedWatchHost {
  /** The table the last plan was made from (undefined before the first). */
  table(): readonly MountEntry[] | undefined;
  /** The statuses of every mount. */
  statuses(): readonly MountStatus[];
  /** Attaches what a scan found to a mount that is still not answering. */
  attach(mountId: number, blocked: BlockedProcesses): void;
}

export class BlockedWatch {
  private timer: NodeJS.Timeout | undefined;

  /** `scan` is undefined when blocked processes are not looked for, or no longer (stopped). */
  constructor(
    private readonly scan: () => ScanBlocked | undefined,
    private readonly host: BlockedWatchHost,
  ) {}

  /** A mount stopped answering: look soon, unless a look is already due. */
  soon(): void {
    this.lookAfter(BLOCKED_FIRST_SCAN_MS);
  }

  /** Cancels the look that is due. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private lookAfter(delayMs: number): void {
    if (!this.scan() || this.timer) return;
    this.timer = setTimeout(() => void this.look(), delayMs);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    const scan = this.scan();
    const table = this.host.table();
    const targets = this.host.statuses().filter((s) => isUnanswered(s.state));
    if (!scan || !table || targets.length === 0) return void (this.timer = undefined);
    let found: BlockedScan;
    try {
      found = await scan(table, targets.map((t) => t.mountId));
    } catch {
      found = { byMount: new Map(), unexamined: 0 };
    }
    this.timer = undefined;
    for (const target of targets) {
      const processes = found.byMount.get(target.mountId) ?? [];
      this.host.attach(target.mountId, { count: processes.length, processes, ...(found.unexamined > 0 ? { unexamined: found.unexamined } : {}) });
    }
    this.lookAfter(BLOCKED_RESCAN_MS);
  }
}
