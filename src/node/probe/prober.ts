// How the monitor asks for one probe of one mountpoint. The implementation runs it in a process of its own
// (a worker of the prober, or a child per probe), which opens the mountpoint without following
// symlinks, checks it is the mount named, switches to its owner, lists it and reads statfs; that process
// is SIGKILLed at the timeout and always reaped. The calling process never touches the path itself.
import type { Capacity } from '../../common/mount.js';

export interface ProbeRequest {
  /** The mountpoint, exactly as in the mount table (any byte but NUL). */
  path: string;
  timeoutMs: number;
  /** Drop to the mountpoint's owner (supplementary groups, gid, uid) before listing. Needs root. */
  asOwner: boolean;
  /** The mountpoint's exact bytes, when they are not valid UTF-8 (overrides `path` for the child). */
  pathBytes?: Uint8Array;
  /**
   * The mount the path must lead to, from the mount table (mountinfo's mount id and "major:minor"). The
   * child opens the path once without following symlinks and checks that it opened this mount before
   * anything else; a mismatch is answered as an error at stage 'mount'.
   */
  mount?: { id: number; device?: string };
  /**
   * Become this user (supplementary groups, gid, uid) before touching the path: a user's own FUSE mount
   * (user_id=), which the kernel lets no one else in, root included, unless allow_other.
   * Needs root; `asOwner` then changes nothing.
   */
  asUser?: { uid: number; gid: number };
}

export type ProbeResult =
  | { state: 'ok'; pid: number; latencyMs: number; entries: number; mode: number; uid: number; gid: number; capacity: Capacity }
  /** errno: the name ("ENOTCONN"); stage: which call failed. */
  | { state: 'error'; pid: number; latencyMs: number; errno: string; message: string; stage: ProbeStage }
  /** The owner's mode bits do not allow listing: message is "mode %03o does not allow access". */
  | { state: 'denied'; pid: number; latencyMs: number; mode: number; uid: number; message: string }
  /** No answer within timeoutMs: SIGKILL has been sent. `exited` settles once the child is reaped. */
  | { state: 'hung'; pid: number; latencyMs: number }
  /**
   * Not checked through no fault of the mount: the prober died under the probe twice (message says how).
   * Nothing is known about the mount; the caller keeps what it knew.
   */
  | { state: 'unchecked'; pid: number; latencyMs: number; message: string };

/** Which call failed; 'mount': the path did not lead to the mount the request named (ESTALE), or met a symlink (ELOOP). */
export type ProbeStage = 'fork' | 'stat' | 'setuid' | 'opendir' | 'readdir' | 'statfs' | 'mount';

export interface ProbeRun {
  /** Settles with the child's answer, or with 'hung' at the timeout. Never rejects for a mount's failure. */
  result: Promise<ProbeResult>;
  /** Settles when the child has exited and been reaped: possibly long after a 'hung' result. */
  exited: Promise<void>;
}

export interface Prober {
  /** "native": the C prober (fast); "node": a Node child per probe (fallback). */
  readonly kind: 'native' | 'node';
  probe(request: ProbeRequest): ProbeRun;
  /**
   * PIDs of probe children not yet reaped. A probe sits inside the mount it probes, so the automount
   * usage scan must not count it as a user. (The native prober's workers and children are its server's descendants.)
   */
  probePids?(): number[];
  /**
   * Calls the listener whenever the mount table may have changed (the C prober polls mountinfo for it),
   * so the monitor need not read the table every second to find out. Absent: no such notices.
   */
  onTableChange?(listener: () => void): void;
  /** Kills every probe still running, reaps them (bounded wait) and stops the prober. */
  close(): Promise<void>;
}
