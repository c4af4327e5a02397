// A mount's problem as the end of a sentence, for the notifications and the tray menu ("…, which did not
// answer within 10 s"). The status window's own wording (with the server and for how long) is
// problemInWords in src/common/status-view/problem-words.ts, which also holds the state words.
import type { MountStatus } from '../../common/mount.js';
import { durationInWords } from '../../common/status-view/durations.js';
import { STATE_PHRASE } from '../../common/status-view/problem-words.js';

/**
 * What is wrong with a mount, in words: "did not answer within 10 s", "ENOTCONN: transport endpoint is
 * not connected", "mode 4000 does not allow access".
 */
export function problemText(m: MountStatus): string {
  switch (m.state) {
    case 'slow':
      // latencyMs is the last finished probe's: the one still running has no figure yet.
      return 'is not answering';
    case 'hung':
      return m.latencyMs !== undefined ? `did not answer within ${durationInWords(m.latencyMs)}` : 'does not answer';
    case 'stuck':
      return m.stuckForMs !== undefined
        ? `does not answer (a check has been stuck for ${durationInWords(m.stuckForMs)})`
        : 'does not answer (a check is stuck)';
    case 'error':
      return [m.errno, m.message].filter(Boolean).join(': ') || 'failed';
    case 'denied':
      return m.message ?? 'access denied';
    case 'disconnected':
      return 'is disconnected from its server: everything on it fails until it is mounted again';
    default:
      return STATE_PHRASE[m.state];
  }
}
