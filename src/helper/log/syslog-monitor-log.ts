// The monitor's log events as lines of src/helper/log/lines.ts, written to the helper's one Log.
import * as lines from './lines.js';
import type { Log } from './log.js';
import type { MonitorLog } from '../../node/monitor/monitor-log.js';

export function monitorLogFor(log: Log): MonitorLog {
  return {
    sweepFinished: (checked, seconds, dead) => log.line(lines.checked(checked, seconds, dead)),
    timedOut: (pid, mountpoint, timeoutSeconds) => {
      log.line(lines.timedOut(pid));
      log.line(lines.notResponding(mountpoint, timeoutSeconds));
    },
    slow: (mountpoint, seconds, server) => log.line(lines.slow(mountpoint, seconds, server)),
    blocked: (mountpoint, server, b) => log.line(lines.blocked(mountpoint, server, b.count, b.processes)),
    denied: (mountpoint, d) => log.line('mode' in d ? lines.denied(mountpoint, d.mode) : lines.deniedByErrno(mountpoint, d.errno, d.stage)),
    failed: (mountpoint, errno, message) => log.line(lines.errnoFailure(mountpoint, errno, message || undefined)),
    stuck: (pid, mountpoint, stuckMs) => log.line(lines.stuck(pid, mountpoint, stuckMs / 1000)),
    released: (pid, mountpoint, stuckMs) => log.line(lines.stuckExited(pid, mountpoint, stuckMs / 1000)),
    recovered: (mountpoint, downMs) => log.line(lines.recovered(mountpoint, downMs / 1000)),
    serverDown: (server, dead) => log.line(lines.serverDown(server, dead)),
    serverUp: (server) => log.line(lines.serverUp(server)),
    kernelSignal: (server, kind, mounts) => log.line(lines.kernelSignal(server, kind, mounts)),
    degrading: (mountpoint, server, reason) => log.line(lines.degrading(mountpoint, server, reason)),
    degradingOver: (mountpoint, lastedMs) => log.line(lines.degradingOver(mountpoint, lastedMs / 1000)),
    automountDaemon: (c) => log.line(c.alive ? lines.automountDaemonBack(c.mountpoint, c.pgrp) : lines.automountDaemonGone(c.mountpoint, c.pgrp, c.catatonic)),
    disconnectedServerBack: (mountpoint, server) => log.line(lines.disconnectedServerBack(mountpoint, server)),
    proberLost: (e) => log.line(lines.proberLost(e.pid, e.why, e.inFlight)),
    proberSaid: (e) => log.line(lines.proberSaid(e.pid, e.text)),
    proberMismatch: (e) => log.line(lines.proberMismatch(e.binary, e.version, e.expected, e.fallback)),
    tableProblem: (table, p) => log.line(lines.mountTableLine(table, p.line, p.reason, p.text)),
    tableUnreadable: (f) => log.line(lines.mountTableUnreadable(f.table, f.errno, f.reason)),
  };
}
