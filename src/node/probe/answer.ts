// What a probe child says, before it becomes a ProbeResult. The C prober and the Node probe child
// answer with the same fields, so both probers build their results here and give the same answers.
import { encodeUtf8Lossless, hasEscapedBytes } from '../../common/mount-table/utf8.js';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { errnoName, errnoText } from '../errno-text.js';
import type { ProbeResult, ProbeStage } from './prober.js';

export type RawAnswer =
  | {
      kind: 'O';
      entries: number;
      mode: number;
      uid: number;
      gid: number;
      /** statvfs f_frsize (the unit of the block counts). */
      frsize: number;
      blocks: number;
      bfree: number;
      bavail: number;
      files: number;
      ffree: number;
    }
  | { kind: 'D'; mode: number; uid: number }
  /** errno: the positive errno number of this platform. */
  | { kind: 'E'; errno: number; stage: ProbeStage };

const PROBE_STAGES: readonly ProbeStage[] = ['fork', 'stat', 'setuid', 'opendir', 'readdir', 'statfs', 'mount'];

export function isProbeStage(s: string): s is ProbeStage {
  return (PROBE_STAGES as readonly string[]).includes(s);
}

/** libuv's description, e.g. "socket is not connected"; else the words we have for its name, else the name. */
function errnoMessage(errno: number): string {
  const name = errnoName(errno);
  return getSystemErrorMap().get(-Math.abs(errno))?.[1] ?? errnoText(name) ?? name;
}

/** The errno number of a name ("EPIPE" → 32), for errors the parent makes up itself. */
function errnoNumber(name: string): number {
  return (constants.errno as Record<string, number>)[name] ?? constants.errno.EIO;
}

/** The seed's wording: "mode 4000 does not allow access", "mode 000 does not allow access". */
export function deniedMessage(mode: number): string {
  return `mode ${(mode & 0o7777).toString(8).padStart(3, '0')} does not allow access`;
}

/** Stage 'mount': the path no longer leads to the mount the table named. */
function notTheMountMessage(errno: string): string {
  const what = errno === 'ELOOP' ? 'a symbolic link is on the path' : 'another file is there';
  return `the path does not lead to the mount in the mount table (${what}): moved, unmounted or swapped since the table was read`;
}

export function errorResult(pid: number, latencyMs: number, errno: string, stage: ProbeStage, message?: string): ProbeResult {
  return { state: 'error', pid, latencyMs, errno, stage, message: message ?? errnoMessage(errnoNumber(errno)) };
}

export function toResult(a: RawAnswer, pid: number, latencyMs: number): ProbeResult {
  switch (a.kind) {
    case 'O':
      return {
        state: 'ok',
        pid,
        latencyMs,
        entries: a.entries,
        mode: a.mode,
        uid: a.uid,
        gid: a.gid,
        capacity: {
          totalBytes: a.blocks * a.frsize,
          freeBytes: a.bfree * a.frsize,
          availBytes: a.bavail * a.frsize,
          totalInodes: a.files,
          freeInodes: a.ffree,
        },
      };
    case 'D':
      return { state: 'denied', pid, latencyMs, mode: a.mode, uid: a.uid, message: deniedMessage(a.mode) };
    case 'E': {
      const errno = errnoName(a.errno);
      const message = a.stage === 'mount' ? notTheMountMessage(errno) : errnoMessage(a.errno);
      return { state: 'error', pid, latencyMs, errno, stage: a.stage, message };
    }
  }
}

/** The bytes the child is given: exact bytes when the caller has them, else the path's UTF-8. */
export function pathHex(path: string, pathBytes?: Uint8Array): string {
  if (pathBytes) return Buffer.from(pathBytes).toString('hex');
  // encodeUtf8Lossless: mountinfo names that are not valid UTF-8 were decoded with lone surrogates
  // standing for the raw bytes (src/common/mount-table/utf8.ts); this gives the exact bytes back. Any
  // other string's bytes are its UTF-8, which Buffer makes natively (the common case, a sweep's worth).
  return (hasEscapedBytes(path) ? Buffer.from(encodeUtf8Lossless(path)) : Buffer.from(path, 'utf8')).toString('hex');
}
