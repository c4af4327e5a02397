// The monitor's log events as the system log's lines (src/helper/log/lines.ts holds the exact words).
import type { Settings } from '../../node/config/settings.js';
import * as lines from '../log/lines.js';
import type { LogLine } from '../log/lines.js';
import { SyslogWriter } from '../log/syslog-writer.js';
import { createStderrSink } from '../log/stderr-sink.js';
import { isJournaldSocket, isJournalStream } from '../log/journal-stream.js';
import type { MonitorLog } from '../../node/monitor/monitor-log.js';

export interface ClosableMonitorLog extends MonitorLog {
  /** Any other line of lines.ts, as it is (recovery's, the probe server's). */
  write(line: LogLine): void;
  close(): Promise<void>;
}

/** A MonitorLog writing every line through one sink. */
export function monitorLogFromSink(sink: (line: LogLine) => void): MonitorLog {
  return {
    sweepFinished: (checked, seconds, dead) => sink(lines.checked(checked, seconds, dead)),
    timedOut: (pid, mountpoint, timeoutSeconds) => {
      sink(lines.timedOut(pid));
      sink(lines.notResponding(mountpoint, timeoutSeconds));
    },
    slow: (mountpoint, seconds, server) => sink(lines.slow(mountpoint, seconds, server)),
    blocked: (mountpoint, server, b) => sink(lines.blocked(mountpoint, server, b.count, b.processes)),
    denied: (mountpoint, message) => {
      const mode = /mode ([0-7]+)/.exec(message);
      sink(mode ? lines.denied(mountpoint, parseInt(mode[1]!, 8)) : lines.errnoFailure(mountpoint, 'EACCES', message));
    },
    failed: (mountpoint, errno, message) => sink(lines.errnoFailure(mountpoint, errno, message)),
    stuck: (pid, mountpoint, stuckMs) => sink(lines.stuck(pid, mountpoint, stuckMs / 1000)),
    released: (pid, mountpoint, stuckMs) => sink(lines.stuckExited(pid, mountpoint, stuckMs / 1000)),
    recovered: (mountpoint, downMs) => sink(lines.recovered(mountpoint, downMs / 1000)),
    serverDown: (server, dead) => sink(lines.serverDown(server, dead)),
    serverUp: (server) => sink(lines.serverUp(server)),
    tableProblem: (p) => sink(lines.mountTableLine('/proc/self/mountinfo', p.line, p.reason, p.text)),
    tableUnreadable: (error) => {
      const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
      sink(lines.mountTableUnreadable('/proc/self/mountinfo', errno, error.message));
    },
    notice: (message) => sink({ severity: 'notice', text: message }),
    warning: (message) => sink({ severity: 'warning', text: message }),
  };
}

/**
 * The daemon's log: syslog (unless settings.syslogSocket is ""), and stderr when asked (under a
 * supervisor that keeps stderr).
 *
 * Under systemd each line is written once (issue 10): when stderr is the journal (JOURNAL_STREAM) and
 * the syslog socket is journald's own (/dev/log on a systemd host), only stderr is written, with
 * sd-daemon `<N>` priority prefixes (sd-daemon(3)). That path needs no logger(1) child, and journald
 * records the unit and PID from the stream itself; with the unit's SyslogIdentifier=MountStatusMonitor
 * and SyslogFacility=daemon, what journald forwards to a syslog daemon (ForwardToSyslog=, on in Debian)
 * reads `MountStatusMonitor[PID]: ...` as before. A syslog socket that is not journald's (an
 * admin's own daemon) still gets every line.
 */
export function openSyslogMonitorLog(settings: Settings, opts: { stderr?: boolean } = {}): ClosableMonitorLog {
  const journal = opts.stderr === true && isJournalStream();
  const stderr = opts.stderr ? createStderrSink({ format: journal ? 'sd-daemon' : 'plain', pid: process.pid }) : undefined;
  const syslog = settings.syslogSocket !== '' && !(journal && isJournaldSocket(settings.syslogSocket));
  const writer = syslog
    ? new SyslogWriter({
        socket: settings.syslogSocket,
        ...(stderr ? { fallback: () => undefined } : {}),
      })
    : undefined;
  const sink = (line: LogLine) => {
    writer?.write(line);
    stderr?.write(line);
  };
  return {
    ...monitorLogFromSink(sink),
    write: sink,
    close: async () => {
      await writer?.close();
      await stderr?.drained();
    },
  };
}
