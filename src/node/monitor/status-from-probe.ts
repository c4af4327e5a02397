// A probe's answer as a mount's status fields: a failure is data.
import type { MountState, MountStatus } from '../../common/mount.js';
import type { ProbeResult } from '../probe/prober.js';
import { errnoText } from '../errno-text.js';
import type { Denial } from './monitor-log.js';

/** The status fields, and for a denied mount why (for the log, which says it without re-reading the message). */
export type ProbeStatus = Partial<MountStatus> & { state: MountState; denial?: Denial };

/**
 * Errnos whose C library words leave a user with no next step, with what they mean on a mount. ESTALE is
 * what an NFS client gets when the server no longer has the export (`exportfs -u`) or the directory its
 * handle named, and also when a soft mount's request times out: the path walk ends at the mount's root,
 * whose revalidation failed, and the VFS answers ESTALE for any such failure (measured on 6.12).
 */
const MEANING: Record<string, string> = {
  ESTALE:
    "Stale file handle: the server did not vouch for this mount's files (its export withdrawn or replaced, or a soft mount's server not answering in time); remount if the export changed",
};

/** An answer that says something about the mount (an unchecked one says nothing: it is not recorded). */
export type MountAnswer = Exclude<ProbeResult, { state: 'unchecked' }>;

export function statusFromProbe(result: MountAnswer, timeoutSeconds: number): ProbeStatus {
  const latencyMs = Math.round(result.latencyMs * 1000) / 1000;
  switch (result.state) {
    case 'ok':
      return { state: 'ok', latencyMs, capacity: result.capacity };
    case 'hung':
      return { state: 'hung', latencyMs, probePid: result.pid, message: `not responding: no answer within ${timeoutSeconds} s` };
    case 'denied':
      return { state: 'denied', latencyMs, message: result.message, denial: { mode: result.mode } };
    case 'error':
      // A permission error is not a dead mount: the probe's user may not list it (unprivileged runs, or
      // a parent directory closed to the owner). Reported as denied, like the seed's mode check.
      if (result.errno === 'EACCES' || result.errno === 'EPERM') {
        return {
          state: 'denied',
          latencyMs,
          errno: result.errno,
          message: `${result.errno}: ${result.message} (at ${result.stage})`,
          denial: { errno: result.errno, stage: result.stage },
        };
      }
      // The C library's words ("Transport endpoint is not connected"), which admins know from other
      // tools, where libuv's differ ("socket is not connected"); the probe's own for a path that did not
      // lead to the mount, which no errno says.
      const message = result.stage === 'mount' ? result.message : (MEANING[result.errno] ?? errnoText(result.errno) ?? result.message);
      return { state: 'error', latencyMs, errno: result.errno, message };
  }
}

