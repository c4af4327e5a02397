// Types shared by every layer: the mount table, the outcome of a probe, and a sweep's report.
// No Node, DOM or Electron imports here: the renderer and the helper both use these.

/** One line of the mount table (Linux /proc/self/mountinfo, or a BSD/macOS `mount` listing). */
export interface MountEntry {
  /** Unique mount id (mountinfo field 1). Synthesised (1-based line number) on BSD/macOS. */
  mountId: number;
  /** Id of the parent mount (field 2); -1 where the platform does not say. */
  parentId: number;
  /** "major:minor" of the filesystem's device (field 3); "" where unknown. */
  device: string;
  /** Root of the mount within its filesystem (field 4). */
  root: string;
  /** Where it is mounted, fully unescaped (every \ooo decoded). */
  mountpoint: string;
  /** Per-mount options (field 6), e.g. ["rw", "nosuid"]. */
  mountOptions: string[];
  /** Optional fields (shared:N, master:N, propagate_from:N, unbindable). */
  optionalFields: string[];
  fstype: string;
  /** Mount source, e.g. "server:/export/home", "//srv/share", "tmpfs". */
  source: string;
  /** Superblock options (field 11), e.g. ["rw", "vers=4.2", "addr=10.0.0.1"]. */
  superOptions: string[];
}

/** A line of the mount table that could not be parsed: reported, skipped, never fatal. */
export interface MountTableProblem {
  line: number;
  text: string;
  reason: string;
}

export interface ParsedMountTable {
  entries: MountEntry[];
  problems: MountTableProblem[];
}

/** Filesystem capacity from statfs(2), read by the probe child. */
export interface Capacity {
  totalBytes: number;
  freeBytes: number;
  availBytes: number;
  totalInodes: number;
  freeInodes: number;
}

/**
 * The state of one mount.
 * - ok: the probe stat()ed, listed and statfs()ed it in time.
 * - slow: a probe is still unanswered after slow-after seconds (before the timeout makes it hung): the
 *   first warning, seconds before programs using the mount visibly freeze.
 * - hung: the probe did not answer within the timeout and was sent SIGKILL.
 * - error: the probe got an errno (ENOTCONN, EIO, ESTALE, ...).
 * - denied: the mountpoint's mode does not let its owner list it.
 * - stuck: an earlier probe was killed and has not exited 5 s later (D state); no new probe until it does.
 * - covered: a later mount sits on the same path; only the top one is reachable, so only it is probed.
 * - idle: an automounted filesystem nobody is using; left alone so it can expire.
 * - disconnected: its NFS client was shut down (/sys/fs/nfs/MAJOR:MINOR/shutdown, Linux 6.6+): everything
 *   on it fails with EIO at once, for good (the shutdown has no undo: only a remount brings it back), so it
 *   is not probed any more.
 * - unknown: not probed yet.
 */
export const MOUNT_STATES = ['ok', 'slow', 'hung', 'error', 'denied', 'stuck', 'covered', 'idle', 'disconnected', 'unknown'] as const;
export type MountState = (typeof MOUNT_STATES)[number];

/** One mount's status: a failure is data, never an exception. */
export interface MountStatus {
  mountpoint: string;
  source: string;
  fstype: string;
  mountId: number;
  state: MountState;
  /** errno name for state "error" (e.g. "ENOTCONN"). */
  errno?: string;
  /** Human-readable reason, e.g. "mode 4000 does not allow access". */
  message?: string;
  /** Wall time of the last finished probe, in milliseconds. */
  latencyMs?: number;
  /** When the mount entered its current state (epoch ms). */
  since: number;
  /** When the last probe finished (epoch ms). */
  checkedAt?: number;
  /** For "stuck": how long the killed probe has been stuck (ms). */
  stuckForMs?: number;
  /** PID of the killed probe for "stuck" and "hung". */
  probePid?: number;
  capacity?: Capacity;
  /** The server for network mounts ("nfs1", "fileserver"), when it can be told from the source. */
  server?: string;
  /** The address the kernel connected to for that server (`addr=` of NFS and CIFS mounts), when it records one. */
  serverAddress?: string;
  /** Set for autofs trigger entries and for filesystems an automounter mounted. */
  automount?: AutomountInfo;
  /** NFS RPC counters from /proc/self/mountstats (since mount): read passively, no mount touched. */
  nfs?: NfsRpcStats;
  /**
   * Its server answers far slower than this mount's usual: NFS from its RPC counters (also resends and
   * requests left unanswered: src/common/nfs-degrading.ts), any other mount from its probes' latency
   * (src/common/probe-latency-degrading.ts). A condition beside the state, never instead of it: a degrading mount
   * is still `ok` while its probes answer, and `slow`/`hung` when they stop.
   */
  degrading?: Degrading;
  /** Why the mount is suspected before its next probe answers (e.g. the kernel logged its server not responding). */
  suspect?: string;
  /**
   * Set when the mount is in the watch tier (probed every watch-interval): "home" holds the home of a
   * connected client or a logged-in user, "pattern" matches a `watch` pattern of the config.
   */
  watched?: 'home' | 'pattern';
  /**
   * A FUSE filesystem a user mounted (fusermount3: user_id= in the mount table), by that user's uid. Its
   * name and type are the user's choice, so no server is read from its source.
   */
  mountedBy?: number;
  /** For slow, hung and stuck mounts: the processes waiting on it (found in /proc, the mount untouched). */
  blocked?: BlockedProcesses;
  /**
   * Set by the helper's socket only: fields it cut to MAX_WIRE_TEXT_BYTES (src/common/protocol.ts),
   * each with its full length in UTF-8 bytes, e.g. {"mountpoint": 768123}.
   */
  truncated?: Record<string, number>;
}

/** Processes blocked on a mount. A non-root client gets only its own user's in `processes`; `count` is all. */
export interface BlockedProcesses {
  count: number;
  processes: BlockedProcess[];
  /**
   * Processes the scan had no time left to examine (it reads only so much of /proc each time): some may
   * be waiting on the mount too. Absent when every process was examined.
   */
  unexamined?: number;
}

export interface BlockedProcess {
  pid: number;
  /** /proc/PID/comm: the kernel's 15-byte name of the program. */
  comm: string;
  uid: number;
}

export interface AutomountInfo {
  /** "trigger": the autofs entry itself (never probed); "automounted": a real mount an automounter made. */
  role: 'trigger' | 'automounted';
  /** The automounter's map ("auto.home", "/etc/auto.direct"). */
  map?: string;
  /** The autofs mount this belongs to. */
  autofsMountpoint?: string;
  /** Idle expiry timeout in seconds (0: never expires). */
  timeoutSeconds?: number;
  strictexpire?: boolean;
  /** For automounted filesystems: whether some process uses it (cwd, open file, mapping). */
  busy?: boolean;
  /** Whether the automount daemon (the autofs mount's pgrp=) is alive; absent when it cannot be told. */
  daemonAlive?: boolean;
  daemonPgrp?: number;
}

export interface NfsRpcStats {
  ops: number;
  retransmissions: number;
  majorTimeouts: number;
  /** Average RPC backlog queue length per request sent, as mountstats(8) prints it. */
  avgBacklog: number;
  /**
   * Requests transmitted and replies received by its transports. They move at once, where the per-operation
   * counters above move only when a request completes: sends growing with no replies is an outage.
   */
  sends: number;
  replies: number;
  /** Mean round trip of the metadata operations completed between the last two reads (ms), and this mount's usual value. */
  rttMs?: number;
  usualRttMs?: number;
}

export interface Degrading {
  /** In numbers and words: "RPC round trip 210 ms, usually 0.4 ms; 14 retransmissions in the last minute". */
  reason: string;
  /** When the episode began (epoch ms). */
  since: number;
}

/** The result of one sweep over the mount table. */
export interface SweepReport {
  /** Number of mounts in scope (probed, covered, stuck or idle): all of them, unlike the original's slip. */
  checked: number;
  dead: number;
  /** Wall time of the sweep in seconds (millisecond precision); the syslog line prints it floored. */
  seconds: number;
  startedAt: number;
  finishedAt: number;
  mounts: MountStatus[];
  problems: MountTableProblem[];
}
