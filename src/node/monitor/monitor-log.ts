// What the monitor tells administrators, as events. The syslog adapter (syslog-monitor-log.ts) turns
// them into the seed's exact lines; tests and the terminal view can listen to the same events.
import type { BlockedProcesses, MountTableProblem } from '../../common/mount.js';

export interface MonitorLog {
  /** `Checked 42 mounts in 0 seconds` / `Checked 37 mounts in 60 seconds: 1 dead`. */
  sweepFinished(checked: number, seconds: number, dead: number): void;
  /** `Timed out waiting for child process 30686: sending SIGKILL`. */
  timedOut(pid: number, mountpoint: string, timeoutSeconds: number): void;
  /** A probe is still unanswered after slow-after seconds (once per episode). */
  slow(mountpoint: string, seconds: number, server: string | undefined): void;
  /** Processes are waiting on a mount that is not answering (once per episode). */
  blocked(mountpoint: string, server: string | undefined, blocked: BlockedProcesses): void;
  /** `Couldn't check mountpoint /example: mode 4000 does not allow access`. */
  denied(mountpoint: string, message: string): void;
  /** A probe failed with an errno. */
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
  /** A malformed mount-table line, skipped. */
  tableProblem(problem: MountTableProblem): void;
  /** The mount table could not be read: the sweep failed. */
  tableUnreadable(error: Error): void;
  /** Anything else worth a line (startup, config reloads, non-root notice). */
  notice(message: string): void;
  warning(message: string): void;
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
  tableProblem() {},
  tableUnreadable() {},
  notice() {},
  warning() {},
};
