// The helper's logger: createSyslog() gives the Log the daemon and CLI use, writing to the system log
// (facility daemon, ident MountStatusMonitor[PID]) and, when asked, echoing to stderr.
import { logFromSink, passes, type Log } from './log.js';
import type { LogLine } from './lines.js';
import type { SeverityName } from './severity.js';
import { createStderrSink, type StderrFormat } from './stderr-sink.js';
import { SyslogWriter, type SyslogStats, type SyslogWriterOptions } from './syslog-writer.js';

export interface SyslogOptions {
  /** The syslog socket; default /dev/log. Configurable for tests and systems where it differs. */
  socket?: string;
  /** The PID in `MountStatusMonitor[PID]`; default process.pid. */
  pid?: number;
  /**
   * Echo every line to stderr too: 'plain' for a terminal, 'sd-daemon' (`<4>text`) under systemd.
   * Default: no echo. Lines that cannot reach syslog go to stderr (plain) either way.
   */
  stderr?: StderrFormat | false;
  /** Lines less severe than this are not written anywhere. Default 'info' ('debug' for --verbose). */
  threshold?: SeverityName;
  /** File descriptor for the stderr output (tests). Default 2. */
  stderrFd?: number;
  /** Tuning for the logger(1) transport (queue bound, backoff, logger path). */
  writer?: Omit<SyslogWriterOptions, 'socket' | 'pid' | 'fallback' | 'diagnostic'>;
}

export interface SyslogLog extends Log {
  stats(): SyslogStats & { stderrDropped: number };
  /** Flushes to logger and waits (bounded) for it to exit; call on shutdown. */
  close(timeoutMs?: number): Promise<void>;
}

export function createSyslog(options: SyslogOptions = {}): SyslogLog {
  const pid = options.pid ?? process.pid;
  const threshold = options.threshold ?? 'info';
  const echo = options.stderr || undefined;
  const fd = options.stderrFd ?? 2;
  const echoSink = echo ? createStderrSink({ format: echo, pid, fd }) : undefined;
  // Without an echo, lines syslog cannot take still reach stderr, once each.
  const fallbackSink = echoSink ?? createStderrSink({ format: 'plain', pid, fd });
  const diagnosticSink = fallbackSink;
  const writer = new SyslogWriter({
    ...options.writer,
    socket: options.socket,
    pid,
    fallback: echoSink ? () => {} : (line) => fallbackSink.write(line),
    diagnostic: (text) => diagnosticSink.write({ severity: 'warning', text }),
  });
  const sink = (line: LogLine): void => {
    if (!passes(line.severity, threshold)) return;
    writer.write(line);
    echoSink?.write(line);
  };
  return Object.assign(logFromSink(sink), {
    stats: () => ({
      ...writer.stats(),
      stderrDropped: (echoSink?.dropped() ?? 0) + (echoSink ? 0 : fallbackSink.dropped()),
    }),
    close: (timeoutMs?: number) => writer.close(timeoutMs),
  });
}
