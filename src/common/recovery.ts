// Recovery: unmounting a dead mount to free the programs stuck on it, or disconnecting a dead NFS mount
// from its server (its client shut down). The requests a client sends (`mountstatus unmount`,
// `mountstatus disconnect`) and what the helper answers, shared by the helper, the CLI and the app; and
// what the desktop offers for a mount that stopped answering (Disconnect, or who can act).
import type { BlockedProcess, BlockedProcesses, MountState } from './mount.js';

/**
 * force: abort what the mount is waiting for (FUSE: its connection; NFS/CIFS: in-flight RPCs, MNT_FORCE),
 * then unmount; fails while some process still uses the mount. lazy: the same, and a mount still in use
 * is then detached (MNT_DETACH): it leaves the tree, its users keep a detached copy.
 */
export const UNMOUNT_MODES = ['force', 'lazy'] as const;
export type UnmountMode = (typeof UNMOUNT_MODES)[number];

/** One mount the helper will unmount (or has). */
export interface UnmountTarget {
  mountpoint: string;
  mountId: number;
  fstype: string;
  source: string;
  server?: string;
}

export interface UnmountResult {
  mountpoint: string;
  mode: UnmountMode;
  /** Nothing was done: this is what would be (the CLI shows it and asks before acting). */
  dryRun: boolean;
  /** The mount's state in the monitor when asked ('unknown' when the monitor does not check it). */
  state: MountState;
  /** Leaf first: the mounts under it, then the mount itself. */
  plan: UnmountTarget[];
  /** The processes waiting on it when asked. */
  blocked?: BlockedProcesses;
  /** What was done (or would be), in order, in words. */
  steps: string[];
  /** Every mount of the plan has left the mount table. */
  gone: boolean;
  /**
   * How it went, once gone: unmounted; detached (--lazy: it was still in use, its users keep a detached
   * copy); expired (the automount daemon, asked first, took it away itself); left (someone else unmounted
   * it while the helper was at work: the helper unmounted nothing in its place).
   */
  outcome?: 'unmounted' | 'detached' | 'expired' | 'left';
  /** Why not, when an attempt left some mount of the plan in place. */
  reason?: string;
}

/**
 * How a dead NFS mount was disconnected: `shutdown`, the kernel's NFS shutdown (Linux 6.6+: every request
 * of its superblock fails at once, the mount stays in the table); on a kernel without it, `force` or
 * `lazy`, an unmount as `mountstatus unmount` does, which cannot free every program.
 */
export type DisconnectMethod = 'shutdown' | UnmountMode;

export interface NfsDisconnectResult {
  mountpoint: string;
  dryRun: boolean;
  /** The mount's state in the monitor when asked ('unknown' when the monitor does not check it). */
  state: MountState;
  method: DisconnectMethod;
  /** Every mountpoint of the same NFS superblock, the asked one first: a shutdown disconnects all of them. */
  sharing: string[];
  /** The programs blocked on those mounts before. */
  blocked?: BlockedProcesses;
  /** How many of them were freed. */
  released?: number;
  /** The ones still blocked afterwards (none expected after a shutdown; all but the lucky after a fallback). */
  stay?: BlockedProcess[];
  /** What was done (or would be), in order, in words. */
  steps: string[];
  /** The client was shut down (now, or before). */
  disconnected: boolean;
  /** The mount left the table (--then-unmount, or the fallback's unmount). */
  unmounted: boolean;
  /** Why not, or what the fallback could not do. */
  reason?: string;
}

/** What the tray menu and the status window offer for a mount that is not answering (src/main/disconnect.ts). */
export type RecoveryAdvice =
  /** The user's own FUSE mount: offer "Disconnect" (disconnectOwnMount). */
  | { kind: 'disconnect'; label: string; mountpoint: string }
  /** Someone else's mount: only an administrator can act; `command` is what they run. */
  | { kind: 'admin'; text: string; command: string }
  /** Nothing to offer (a mount that answers, or one that is never unmounted). */
  | { kind: 'none'; text: string };

/** The advice for one mount of the monitor's snapshot, which it names as the snapshot does. */
export interface MountAdvice {
  mountId: number;
  mountpoint: string;
  advice: RecoveryAdvice;
}

/** How a Disconnect went. */
export interface DisconnectResult {
  gone: boolean;
  /** What was done, in words. */
  steps: string[];
  /** Why not, when not gone. */
  reason?: string;
}
