// The Log the daemon and `check --syslog` open, once: the system log (facility daemon, ident
// MountStatusMonitor[PID]) through logger(1), and standard error.
//
// - echo (the daemon): every line goes to stderr as well, for a supervisor that keeps it; plain
//   (`MountStatusMonitor[PID]: warning: text`) at a terminal.
// - Under systemd each line is written once: when stderr is the journal (JOURNAL_STREAM) the
//   echo has sd-daemon `<N>` priority prefixes (sd-daemon(3)), and when the syslog socket is journald's
//   own (/dev/log on a systemd host) syslog is not written at all: journald records the unit and PID
//   from the stream, and with the unit's SyslogIdentifier=MountStatusMonitor and SyslogFacility=daemon
//   what it forwards to a syslog daemon (ForwardToSyslog=, on in Debian) reads `MountStatusMonitor[PID]:
//   ...` as before. A syslog socket that is not journald's (an admin's own daemon) still gets every line.
// - Without echo (`check --syslog`), lines syslog cannot take go to stderr, and the writer says there
//   why and how many: never lost unsaid.
// - syslogSocket "" (--no-syslog): stderr only.
import type { Log } from './log.js';
import type { LogLine } from './lines.js';
import { isJournaldSocket, isJournalStream } from './journal-stream.js';
import { createStderrSink } from './stderr-sink.js';
import { SyslogWriter, type SyslogStats, type SyslogWriterOptions } from './syslog-writer.js';

export interface LogOptions {
  /** The system log's socket (default /dev/log); "" for none. */
  syslogSocket?: string;
  /** Every line to stderr as well (see the file comment). Default false. */
  echo?: boolean;
  /** The PID in `MountStatusMonitor[PID]`; default process.pid. */
  pid?: number;
  /** The stderr file descriptor (tests); default 2. */
  stderrFd?: number;
  /** Where JOURNAL_STREAM is read (tests); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Tuning for the logger(1) transport (queue bound, backoff, logger path). */
  writer?: Omit<SyslogWriterOptions, 'socket' | 'pid' | 'fallback' | 'diagnostic'>;
}

export interface OpenLog extends Log {
  /** The syslog writer's counters; undefined when syslog is not written. */
  syslogStats(): SyslogStats | undefined;
  /** Flushes syslog (bounded) and stderr; call before exiting. */
  close(timeoutMs?: number): Promise<void>;
}

export function openLog(options: LogOptions = {}): OpenLog {
  const pid = options.pid ?? process.pid;
  const fd = options.stderrFd ?? 2;
  const socket = options.syslogSocket ?? '/dev/log';
  const journal = options.echo === true && isJournalStream(fd, options.env);
  const stderr = createStderrSink({ format: journal ? 'sd-daemon' : 'plain', pid, fd });
  const echo = options.echo === true;
  const writer =
    socket !== '' && !(journal && isJournaldSocket(socket))
      ? new SyslogWriter({
          ...options.writer,
          socket,
          pid,
          // With the echo on, stderr has every line already.
          fallback: echo ? () => undefined : (line) => stderr.write(line),
          diagnostic: (line) => stderr.write(line),
        })
      : undefined;
  const toStderr = echo || writer === undefined;
  return {
    line(line: LogLine) {
      writer?.write(line);
      if (toStderr) stderr.write(line);
    },
    syslogStats: () => writer?.stats(),
    async close(timeoutMs?: number) {
      await writer?.close(timeoutMs);
      await stderr.drained();
    },
  };
}
