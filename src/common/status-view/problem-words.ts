// A mount's problem in words, for people rather than for grep: what is wrong and for how long.
import type { MountState, MountStatus } from '../mount.js';
import { durationInWords } from './durations.js';
import { serverOfStatus } from './server-of-status.js';
import { strerrorText } from '../errno-text.js';


/** "ENOTCONN: transport endpoint is not connected"; the errno alone when its text is not known. */
export function errnoInWords(errno: string): string {
  const text = strerrorText(errno);
  return text ? `${errno}: ${text.charAt(0).toLowerCase()}${text.slice(1)}` : errno;
}

/** Short state labels for the badge: "Hung". */
export const STATE_LABEL: Record<MountState, string> = {
  ok: 'OK',
  slow: 'Slow',
  hung: 'Hung',
  error: 'Error',
  denied: 'Denied',
  stuck: 'Stuck',
  covered: 'Covered',
  idle: 'Idle',
  disconnected: 'Disconnected',
  unknown: 'Not checked',
};

/** A short phrase for a state, for sentences and counts: "1 not responding", "home is not answering". */
export const STATE_PHRASE: Record<MountState, string> = {
  ok: 'OK',
  slow: 'not answering',
  hung: 'not responding',
  error: 'failing',
  denied: 'access denied',
  stuck: 'stuck',
  covered: 'covered',
  idle: 'idle',
  disconnected: 'disconnected',
  unknown: 'not checked yet',
};

/**
 * What is wrong with a mount, in words, or "" when nothing is. `now` is the clock of the caller, so the
 * words age as the window stays open ("not responding for 3 min" becomes "for 4 min").
 */
export function problemInWords(status: MountStatus, now: number): string {
  const server = serverOfStatus(status);
  const since = durationInWords(now - status.since);
  switch (status.state) {
    case 'ok':
      // Answering, but its NFS server far slower than its usual: said, not hidden behind "OK".
      return status.degrading ? `${server ? `server ${server}` : 'its server'} responding slowly: ${status.degrading.reason}` : '';
    case 'slow':
      return server ? `server ${server} not answering for ${since}` : `not answering for ${since}`;
    case 'hung':
      return server ? `server ${server} not responding for ${since}` : `not responding for ${since}`;
    case 'stuck': {
      // The killed probe is in uninterruptible sleep (D state): SIGKILL is delivered only when the
      // blocked syscall returns (signal(7)), so it has not exited and no new probe is started.
      const stuckMs = status.stuckForMs ?? now - status.since;
      const pid = status.probePid !== undefined ? ` (pid ${status.probePid})` : '';
      return `probe${pid} stuck for ${durationInWords(stuckMs)} after SIGKILL`;
    }
    case 'error': {
      // A message that explains the errno's own words (ESTALE: what the server no longer has) replaces them.
      const own = status.errno ? strerrorText(status.errno) : undefined;
      if (own && status.message?.startsWith(own)) return errnoInWords(status.errno!) + status.message.slice(own.length);
      const words = status.errno ? errnoInWords(status.errno) : status.message || 'probe failed';
      const extra = status.errno && status.message && !status.message.includes(status.errno) ? ` (${status.message})` : '';
      return `${words}${extra}`;
    }
    case 'denied':
      return status.message || 'the mountpoint does not allow its owner to list it';
    case 'covered':
      return status.message || 'covered by a later mount on the same path';
    case 'idle':
      return status.message || 'idle automount: not probed, so it can expire';
    case 'disconnected':
      // The shutdown has no undo: only a new mount brings the files back.
      return `${server ? `disconnected from server ${server}` : 'disconnected'} ${since} ago: everything on it fails at once; remount it to use it again`;
    case 'unknown':
      return 'not checked yet';
  }
}

