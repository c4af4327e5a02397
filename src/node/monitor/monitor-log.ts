// What the monitor tells administrators, as structured events: no words here. The helper's adapter
// (src/helper/log/syslog-monitor-log.ts) turns each into its line of src/helper/log/lines.ts; tests
// listen to the same events.
import type { BlockedProcesses, MountTableProblem } from '../../common/mount.js';
import type { ProbeStage } from '../probe/prober.js';
import type { ProtocolMismatch, ProberLost, ProberSaid } from '../probe/native-prober.js';
import type { ServerSignalKind } from './server-suspects.js';

/** Why a probe could not list a mount it reached: the owner's mode bits, or an errno on the way. */
export type Denial = { mode: number } | { errno: string; stage: ProbeStage };

/** The mount table could not be read: where from, the errno when there is one, and what went wrong. */
export interface TableFailure {
  /** Which table (/proc/self/mountinfo), when known. */
  table?: string;
  errno?: string;
  reason: string;
}

/** An autofs mount whose automount daemon was found gone, or back. */
export interface AutomountDaemonChange {
  mountpoint: string;
  pgrp: number;
  alive: boolean;
  catatonic: boolean;
}

export interface MonitorLog {
  /** A sweep finished: `Checked 42 mounts in 0 seconds`. */
  sweepFinished(checked: number, seconds: number, dead: number): void;
  /** A probe got no answer within the timeout and was sent SIGKILL. */
  timedOut(pid: number, mountpoint: string, timeoutSeconds: number): void;
  /** A probe is still unanswered after slow-after seconds (once per episode). */
  slow(mountpoint: string, seconds: number, server: string | undefined): void;
  /** Processes are waiting on a mount that is not answering (once per episode). */
  blocked(mountpoint: string, server: string | undefined, blocked: BlockedProcesses): void;
  /** The probe could not list the mount: its mode, or a permission errno at a stage. */
  denied(mountpoint: string, denial: Denial): void;
  /** A probe failed with an errno; `message` is the status's reason (the C library's words, or the probe's). */
  failed(mountpoint: string, errno: string, message: string): void;
  /** A killed probe has not exited: the mount is stuck and not probed again until it does. */
  stuck(pid: number, mountpoint: string, stuckMs: number): void;
  /** A killed probe finally exited. */
  released(pid: number, mountpoint: string, stuckMs: number): void;
  /** A mount that was dead or denied is fine again. */
  recovered(mountpoint: string, downMs: number): void;
  /** Some of one server's mounts are dead: one line per outage, not one per mount. */
  serverDown(server: string, deadMounts: number): void;
  /** None of the server's mounts is dead any more. */
  serverUp(server: string): void;
  /** The kernel reported a server not responding (or OK again): its `mounts` mounts are probed now. */
  kernelSignal(server: string, kind: ServerSignalKind, mounts: number): void;
  /** An NFS mount's server began degrading (once per episode), with the numbers that say so. */
  degrading(mountpoint: string, server: string | undefined, reason: string): void;
  /** Its degrading episode is over. */
  degradingOver(mountpoint: string, lastedMs: number): void;
  /** An automount daemon was found gone, or back. */
  automountDaemon(change: AutomountDaemonChange): void;
  /** The server of a disconnected NFS mount answers again: the mount needs a remount (once per return). */
  disconnectedServerBack(mountpoint: string, server: string): void;
  /** The prober died or stopped answering; the probes it had in flight run again on a new one. */
  proberLost(event: ProberLost): void;
  /** The prober said something on its own (a warning such as falling back to a child per probe). */
  proberSaid(event: ProberSaid): void;
  /** The prober binary speaks another protocol version: refused, its probes go to the Node prober. */
  proberMismatch(event: ProtocolMismatch): void;
  /** A malformed line of the mount table `table`, skipped. */
  tableProblem(table: string, problem: MountTableProblem): void;
  /** The mount table could not be read: the sweep failed. */
  tableUnreadable(failure: TableFailure): void;
}

/** A MonitorLog that says nothing (the embedded monitor in the app, tests that don't care). */
export const silentMonitorLog: MonitorLog = {
  sweepFinished() {},
  timedOut() {},
  slow() {},
  blocked() {},
  denied() {},
  failed() {},
  stuck() {},
  released() {},
  recovered() {},
  serverDown() {},
  serverUp() {},
  kernelSignal() {},
  degrading() {},
  degradingOver() {},
  automountDaemon() {},
  disconnectedServerBack() {},
  proberLost() {},
  proberSaid() {},
  proberMismatch() {},
  tableProblem() {},
  tableUnreadable() {},
};
