// Lines echoed to standard error (foreground runs, systemd units) and the fallback when syslog cannot
// be reached. process.stderr is no good here: on Linux its writes to pipes and sockets are synchronous
// (Node docs, "A note on process I/O"), so a stalled reader such as a frozen journald would block the
// event loop. Instead, one fs.write(2) at a time runs on the libuv pool (so at worst one pool thread
// waits) and lines waiting behind it are bounded; beyond the bound the oldest are dropped and counted.
// fd 2 may also be non-blocking: once anything touches process.stderr on a pipe or socket (a warning,
// the CLI's own messages), libuv's uv_pipe_open() sets O_NONBLOCK on it, and that flag belongs to the
// open file description, so our write(2)s then fail with EAGAIN when the reader is behind. Such text
// is kept and retried after a short pause, never lost silently.
import { write } from 'node:fs';
import { escapeControlChars } from './escape.js';
import { pri, IDENT, type SeverityName } from './severity.js';
import type { LogLine } from './lines.js';

/**
 * plain:     `MountStatusMonitor[PID]: warning: text` for people at a terminal.
 * sd-daemon: `<4>text`, the priority prefix journald parses from a service's stderr (sd-daemon(3));
 *            the unit's SyslogIdentifier and the PID come from journald itself.
 */
export type StderrFormat = 'plain' | 'sd-daemon';

export interface StderrSink {
  write(line: LogLine): void;
  /** Lines dropped because stderr was not keeping up or refused them (EPIPE). */
  dropped(): number;
  /** Resolves once everything written so far has gone out, or after timeoutMs (a stalled reader). */
  drained(timeoutMs?: number): Promise<void>;
}

export interface StderrSinkOptions {
  format: StderrFormat;
  pid: number;
  ident?: string;
  fd?: number;
  maxPending?: number;
}

/** Pause before retrying a write that stderr refused with EAGAIN (its reader is behind). */
const RETRY_MS = 20;

export function formatStderrLine(line: LogLine, format: StderrFormat, pid: number, ident = IDENT): string {
  // One message, one line, as on the syslog path: a raw newline would start a line of its own (in
  // sd-daemon format, a separate journal entry at the default priority).
  const text = escapeControlChars(line.text);
  if (format === 'sd-daemon') return `<${pri(line.severity, 0)}>${text}\n`;
  return `${ident}[${pid}]: ${line.severity satisfies SeverityName}: ${text}\n`;
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export function createStderrSink(options: StderrSinkOptions): StderrSink {
  const fd = options.fd ?? 2;
  const maxPending = options.maxPending ?? 1000;
  const pending: string[] = [];
  /** The unwritten rest of the last write (bytes: a short write may end inside a character). */
  let rest: Buffer | undefined;
  let busy = false;
  let dropped = 0;
  const waiters: (() => void)[] = [];

  const next = (): void => {
    const buf = rest ?? Buffer.from(pending.splice(0, pending.length).join(''));
    rest = undefined;
    if (buf.length === 0) {
      busy = false;
      for (const w of waiters.splice(0)) w();
      return;
    }
    busy = true;
    write(fd, buf, 0, buf.length, null, (err, written) => {
      if (err && (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK')) {
        // Non-blocking fd and a full pipe: keep the text, try again shortly. Unref'd: a retry alone
        // must not keep a finished process alive.
        rest = buf;
        setTimeout(next, RETRY_MS).unref();
        return;
      }
      // Other errors (EPIPE: nobody reads our stderr) are not worth more than dropping the text, but
      // it is counted: there is nowhere left to report it. A short write is finished before anything newer.
      if (err) dropped += countLines(buf);
      else if (written < buf.length) rest = buf.subarray(written);
      next();
    });
  };

  return {
    write(line) {
      pending.push(formatStderrLine(line, options.format, options.pid, options.ident));
      if (pending.length > maxPending) {
        pending.shift();
        dropped++;
      }
      if (!busy) next();
    },
    dropped: () => dropped,
    drained(timeoutMs = 2000) {
      if (!busy) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
