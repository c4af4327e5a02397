// A MonitorApi with a fixed table, for driving the helper socket in tests: records every recheck,
// emits whatever events the test pushes, and refuses unknown paths as the real Monitor does.
import type { MonitorApi, MonitorEvent, RecheckResult, Snapshot } from '../../../src/common/monitor-api.js';
import type { MountState, MountStatus } from '../../../src/common/mount.js';

export function mountStatus(mountpoint: string, state: MountState = 'ok', extra: Partial<MountStatus> = {}): MountStatus {
  return { mountpoint, source: `src:${mountpoint}`, fstype: 'tmpfs', mountId: 100, state, since: 1_700_000_000_000, ...extra };
}

export class FakeMonitor implements MonitorApi {
  readonly rechecks: (string | undefined)[] = [];
  snapshots = 0;
  private readonly listeners = new Set<(e: MonitorEvent) => void>();

  constructor(
    public mounts: MountStatus[] = [mountStatus('/'), mountStatus('/home', 'ok'), mountStatus('/mnt/nfs', 'hung')],
    readonly pid = 4242,
  ) {}

  async snapshot(): Promise<Snapshot> {
    this.snapshots += 1;
    return {
      identity: { mode: 'system', privileged: true, pid: this.pid, version: '9.9.9' },
      lastSweep: { checked: this.mounts.length, dead: 1, seconds: 2, finishedAt: 1_700_000_000_000 },
      mounts: this.mounts.map((m) => ({ ...m })),
    };
  }

  onChange(listener: (event: MonitorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: MonitorEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  async recheck(mountpoint?: string): Promise<RecheckResult> {
    this.rechecks.push(mountpoint);
    if (mountpoint !== undefined && !this.mounts.some((m) => m.mountpoint === mountpoint)) {
      throw Object.assign(new Error(`${mountpoint} is not a mountpoint`), { code: 'not-a-mountpoint' });
    }
    return { started: mountpoint === undefined ? this.mounts.map((m) => m.mountpoint) : [mountpoint], skipped: [] };
  }
}
