// Whether our stderr is systemd's journal, and whether a syslog socket is journald's own.
//
// Under a unit with StandardError=journal (the default), systemd connects stderr to journald and sets
// JOURNAL_STREAM=<device>:<inode> of that stream (systemd.exec(5), "$JOURNAL_STREAM"); the variable is
// inherited by children whose stderr may point elsewhere, so it counts only while fd 2 is that very
// file. journald also reads the syslog socket (/dev/log -> /run/systemd/journal/dev-log,
// systemd-journald-dev-log.socket), so a daemon writing both would put every line in the journal twice.
import { fstatSync, realpathSync } from 'node:fs';

/** journald's sockets (systemd-journald.service(8)): dev-log for syslog(3), stdout for streams. */
const JOURNALD_DIR = '/run/systemd/journal/';

/** True when fd is the journal stream named by JOURNAL_STREAM (sd_journal_stream_fd(3)). */
export function isJournalStream(fd = 2, env: NodeJS.ProcessEnv = process.env): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false; // fd 2 closed
  }
}

/**
 * True when the syslog socket path leads to journald (the stock /dev/log on a systemd host). /dev and
 * /run are local, never a mountpoint we probe, so resolving the path cannot hang.
 */
export function isJournaldSocket(socketPath: string): boolean {
  try {
    return realpathSync(socketPath).startsWith(JOURNALD_DIR);
  } catch {
    return false;
  }
}
