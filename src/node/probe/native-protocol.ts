// The line protocol of the C prober (src/node/native/msm-prober.c has the full description).
// Requests: `P <id> <timeout-ms> <as-owner> <as-user uid:gid|-> <mount-id> <major:minor> <hex-path>` and
// `R`. Answers are parsed here into events. The server's first line, `V <version> <pid>`, must name
// PROTOCOL_VERSION: a binary of another release is refused rather than misread.
import type { ProbeRequest, ProbeStage } from './prober.js';
import { isProbeStage, type RawAnswer } from './answer.js';

export interface ProberUsage {
  /** CPU of the prober itself, in microseconds. */
  userUs: number;
  systemUs: number;
  maxRssKb: number;
  /** CPU of every probe child it has reaped, in microseconds; max RSS of the largest one. */
  childUserUs: number;
  childSystemUs: number;
  childMaxRssKb: number;
}

/** How a probe child ended: exit code (-1 when killed by a signal) and signal (0 when it exited). */
export interface Reap {
  code: number;
  signal: number;
}

export type ProberEvent =
  | { type: 'version'; version: number; pid: number }
  /** Children forked for one batch of requests. */
  | { type: 'started'; forks: { id: number; pid: number }[] }
  /** `reaped` is set when the child was reaped before its answer was sent: no 'reaped' event follows. */
  | { type: 'answer'; id: number; pid: number; latencyUs: number; answer: RawAnswer; reaped?: Reap }
  | { type: 'hung'; id: number; pid: number; latencyUs: number }
  | { type: 'reaped'; id: number; pid: number; code: number; signal: number }
  | { type: 'usage'; usage: ProberUsage }
  /** The answer to a ping (PING_REQUEST). */
  | { type: 'alive' }
  /** The mount table changed (the prober polls /proc/self/mountinfo for it). */
  | { type: 'table-changed' }
  | { type: 'complaint'; text: string };

export function encodeProbe(id: number, request: Pick<ProbeRequest, 'timeoutMs' | 'asOwner' | 'mount' | 'asUser'>, hexPath: string): string {
  const { mount, asUser } = request;
  const device = mount?.device !== undefined && /^\d+:\d+$/.test(mount.device) ? mount.device : '-';
  const user = asUser ? `${asUser.uid}:${asUser.gid}` : '-';
  return `P ${id} ${Math.max(0, Math.round(request.timeoutMs))} ${request.asOwner ? 1 : 0} ${user} ${mount?.id ?? -1} ${device} ${hexPath}\n`;
}

/** The protocol this client speaks: the prober's `V` banner must name it (msm-prober.c's PROTOCOL_VERSION). */
export const PROTOCOL_VERSION = 6;

export const USAGE_REQUEST = 'R\n';
/** The watchdog's "are you there?": answered `Y` at once by a prober that is not wedged. */
export const PING_REQUEST = 'Y\n';

/**
 * One line from the prober, or undefined when it is not one we know (ignored: fields may be added).
 * A sweep brings a thousand answer lines or more: one split, no closures or spreads per line.
 */
export function parseProberLine(line: string): ProberEvent | undefined {
  const f = line.split(' ');
  switch (f[0]) {
    case 'V':
      return { type: 'version', version: Number(f[1]), pid: Number(f[2]) };
    case 'S': {
      const forks: { id: number; pid: number }[] = [];
      for (let i = 1; i + 1 < f.length; i += 2) forks.push({ id: Number(f[i]), pid: Number(f[i + 1]) });
      return { type: 'started', forks };
    }
    case 'O': {
      const answer: RawAnswer = {
        kind: 'O',
        entries: Number(f[4]),
        mode: parseInt(f[5] ?? '', 8),
        uid: Number(f[6]),
        gid: Number(f[7]),
        frsize: Number(f[8]),
        blocks: Number(f[9]),
        bfree: Number(f[10]),
        bavail: Number(f[11]),
        files: Number(f[12]),
        ffree: Number(f[13]),
      };
      return withReap({ type: 'answer', id: Number(f[1]), pid: Number(f[2]), latencyUs: Number(f[3]), answer }, f, 14);
    }
    case 'D': {
      const answer: RawAnswer = { kind: 'D', mode: parseInt(f[4] ?? '', 8), uid: Number(f[5]) };
      return withReap({ type: 'answer', id: Number(f[1]), pid: Number(f[2]), latencyUs: Number(f[3]), answer }, f, 6);
    }
    case 'E': {
      const stage: ProbeStage = isProbeStage(f[5] ?? '') ? (f[5] as ProbeStage) : 'fork';
      const answer: RawAnswer = { kind: 'E', errno: Number(f[4]), stage };
      return withReap({ type: 'answer', id: Number(f[1]), pid: Number(f[2]), latencyUs: Number(f[3]), answer }, f, 6);
    }
    case 'H':
      return { type: 'hung', id: Number(f[1]), pid: Number(f[2]), latencyUs: Number(f[3]) };
    case 'X':
      return { type: 'reaped', id: Number(f[1]), pid: Number(f[2]), code: Number(f[3]), signal: Number(f[4]) };
    case 'U':
      return {
        type: 'usage',
        usage: { userUs: Number(f[1]), systemUs: Number(f[2]), maxRssKb: Number(f[3]), childUserUs: Number(f[4]), childSystemUs: Number(f[5]), childMaxRssKb: Number(f[6]) },
      };
    case 'Y':
      return { type: 'alive' };
    case 'M':
      return { type: 'table-changed' };
    case '?':
      return { type: 'complaint', text: line.slice(2) };
    default:
      return undefined;
  }
}

/** The reap's two fields, when present after an answer's `count` fields (tag included). */
function withReap(ev: Extract<ProberEvent, { type: 'answer' }>, f: string[], count: number): ProberEvent {
  if (f.length >= count + 2) ev.reaped = { code: Number(f[count]), signal: Number(f[count + 1]) };
  return ev;
}
