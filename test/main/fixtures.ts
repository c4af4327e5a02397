// Small builders for MountStatus and Snapshot values used by the tray and notification unit tests.
import type { MonitorIdentity, Snapshot } from '../../src/common/monitor-api.js';
import type { MountState, MountStatus } from '../../src/common/mount.js';

let nextId = 100;

export function mount(mountpoint: string, state: MountState, extra: Partial<MountStatus> = {}): MountStatus {
  return { mountpoint, source: 'tmpfs', fstype: 'tmpfs', mountId: nextId++, state, since: 0, ...extra };
}

export function nfs(mountpoint: string, server: string, state: MountState, extra: Partial<MountStatus> = {}): MountStatus {
  return mount(mountpoint, state, { source: `${server}:/export${mountpoint}`, fstype: 'nfs4', latencyMs: 10_000, ...extra });
}

export const EMBEDDED: MonitorIdentity = { mode: 'embedded', privileged: false, pid: 4242, version: '0.1.0' };
export const SYSTEM: MonitorIdentity = { mode: 'system', privileged: true, pid: 1234, version: '0.1.0' };

export function snapshot(mounts: MountStatus[], identity: MonitorIdentity = SYSTEM, swept = true): Snapshot {
  return {
    identity,
    mounts,
    ...(swept ? { lastSweep: { checked: mounts.length, dead: 0, seconds: 0, finishedAt: 1 } } : {}),
  };
}
