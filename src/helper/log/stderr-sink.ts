// Lines echoed to standard error (foreground runs, systemd units) and the fallback when syslog cannot
// be reached. process.stderr is no good here: on Linux its writes to pipes and sockets are synchronous
// (Node docs, "A note on process I/O"), so a stalled reader such as a frozen journald would block the
// event loop. Instead, one fs.write(2) at a time runs on the libuv pool (so at worst one pool thread
// waits) and lines waiting behind it are bounded; beyond the bound the oldest are dropped and counted.
import { write } from 'node:fs';
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
  /** Lines dropped because stderr was not keeping up. */
  dropped(): number;
}

export interface StderrSinkOptions {
  format: StderrFormat;
  pid: number;
  ident?: string;
  fd?: number;
  maxPending?: number;
}

export function formatStderrLine(line: LogLine, format: StderrFormat, pid: number, ident = IDENT): string {
  if (format === 'sd-daemon') return `<${pri(line.severity, 0)}>${line.text}\n`;
  return `${ident}[${pid}]: ${line.severity satisfies SeverityName}: ${line.text}\n`;
}

export function createStderrSink(options: StderrSinkOptions): StderrSink {
  const fd = options.fd ?? 2;
  const maxPending = options.maxPending ?? 1000;
  const pending: string[] = [];
  let busy = false;
  let dropped = 0;

  const next = (): void => {
    const text = pending.splice(0, pending.length).join('');
    if (text === '') {
      busy = false;
      return;
    }
    busy = true;
    write(fd, text, (err, written) => {
      // A short write is rare on a pipe; finish it before anything newer. Errors (EPIPE: nobody reads
      // our stderr) are not worth more than dropping the text: there is nowhere left to report them.
      if (!err && written < Buffer.byteLength(text)) pending.unshift(Buffer.from(text).subarray(written).toString());
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
  };
}
