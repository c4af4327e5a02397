// The helper↔app contract: every message that crosses the helper's Unix socket, as one tagged union
// (`type`), validated with zod on every receive at both ends. Frames are 4-byte big-endian length +
// UTF-8 JSON (src/node/ipc/framing.ts). Requests carry an `id`; the reply has the same `type` and echoes
// the id; `error` replies answer any request; `event` frames are pushed to subscribed clients.
//
// Versioning: PROTOCOL_VERSION is the major. A helper refuses a hello from another major with
// `version-mismatch` and the socket's file name carries it (helper-v1.sock), so two majors can coexist.
// Within a major, fields may only be added: data objects are parsed loosely (unknown fields pass through)
// so an older app keeps working against a newer helper.
//
// This file is the contract's words (limits, errors, what the helper sends) and loads nothing: the
// schemas that check every frame are in protocol-schemas.ts, with zod, which the daemon loads only once
// a client connects (zod and the schemas are ~7 MB of a headless daemon that nobody asks).
import type { MonitorEvent, MonitorIdentity, RecheckResult, Snapshot } from './monitor-api.js';
import type { NfsDisconnectResult, UnmountResult } from './recovery.js';

export const PROTOCOL_VERSION = 1;
/** What the helper calls itself in its hello reply. */
export const PROTOCOL_SERVER_NAME = 'mount-status-monitor';

/** Client→helper frames are small: the largest is a recheck naming one path (PATH_MAX is 4096). */
export const MAX_REQUEST_FRAME_BYTES = 16 * 1024;
/**
 * Helper→client frames carry whole snapshots: a mount with capacity, server and timestamps is ~400 bytes
 * of JSON (measured: 5,000 mounts with long overlay paths = 2.07 MB), so 4 MiB holds ~10,000 mounts
 * (container hosts reach thousands). A bigger snapshot is sent with as many mounts as fit, those with a
 * problem first, and says in `omitted` how many it left out; never refused whole.
 */
export const MAX_REPLY_FRAME_BYTES = 4 * 1024 * 1024;
/** Longest mountpoint a client may name: PATH_MAX (linux/limits.h). */
export const MAX_PATH_LENGTH = 4096;
/**
 * Most a text field of a mount (mountpoint, source, fstype, message, …) may cost on the wire: bytes of its
 * JSON, where a control character costs 6. Mount paths have no length limit (a user can move their FUSE
 * mount under 3,000 nested 255-byte names: a 768 KB mountpoint, 4.6 MB of JSON), so a
 * longer text is sent as its head and tail around a marker, `…[768123 bytes, sha256 3f2a9c0e1b7d]…`
 * (its full length in UTF-8 bytes and a hash of it), the same in every message for the same text, and
 * the mount's `truncated` names each field cut with its full length. A recheck may name the cut form.
 */
export const MAX_WIRE_TEXT_BYTES = 1024;

// ---- errors ------------------------------------------------------------------------------------------

/** Codes the helper sends, plus the ones the client makes up for local failures. */
export type ErrorCode =
  // sent by the helper
  | 'bad-json' // the frame is not JSON
  | 'bad-message' // JSON, but not a valid message of its type
  | 'unknown-type' // a `type` this helper does not know
  | 'hello-required' // a request before hello
  | 'version-mismatch' // hello from another protocol major
  | 'not-a-mountpoint' // recheck of a path that is not in the mount table
  | 'rate-limited' // too many rechecks; see retryAfterMs
  | 'too-many-clients' // the helper is serving its maximum number of clients
  | 'too-large' // the reply would exceed MAX_REPLY_FRAME_BYTES
  | 'not-permitted' // unmount or disconnect by a client that may not (neither root nor in the admin-group, nor on its own home)
  | 'refused' // unmount of a mount the helper never unmounts (/, local disks, tmpfs, autofs, a healthy one without --yes)
  | 'internal' // the monitor threw
  // made up by the client
  | 'helper-absent' // nothing listens on the socket (ENOENT, ECONNREFUSED)
  | 'permission-denied' // EACCES on the socket
  | 'timeout' // no reply in time
  | 'connection-closed' // the connection ended before the reply
  | 'protocol-error'; // the helper sent something that is not this protocol

/** An error as it crosses the socket (`{name, message, code}`). */
export interface WireError {
  name: string;
  message: string;
  code: string;
  /** For rate-limited: when the request may be retried. */
  retryAfterMs?: number;
}

/** An error that came from (or is about) the helper; `code` says what to do about it. */
export class IpcError extends Error {
  readonly code: string;
  readonly retryAfterMs?: number;
  constructor(code: ErrorCode | (string & {}), message: string, options: { name?: string; retryAfterMs?: number } = {}) {
    super(message);
    this.name = options.name ?? 'IpcError';
    this.code = code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export function toWireError(error: unknown, fallbackCode: ErrorCode = 'internal'): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const retry = (error as { retryAfterMs?: unknown }).retryAfterMs;
    return {
      name: error.name,
      message: error.message,
      code: typeof code === 'string' && code.length > 0 && code.length <= 64 ? code : fallbackCode,
      ...(typeof retry === 'number' ? { retryAfterMs: retry } : {}),
    };
  }
  return { name: 'Error', message: String(error), code: fallbackCode };
}

export function fromWireError(wire: WireError): IpcError {
  return new IpcError(wire.code, wire.message, {
    name: wire.name,
    ...(wire.retryAfterMs !== undefined ? { retryAfterMs: wire.retryAfterMs } : {}),
  });
}


/** The shapes the helper sends, typed from the shared types rather than the schema's loose output. */
export type OutgoingHelperMessage =
  | { type: 'hello'; id: number; protocol: number; server: string; identity: MonitorIdentity }
  | { type: 'snapshot'; id: number; snapshot: Snapshot }
  | { type: 'subscribe'; id: number }
  | { type: 'unsubscribe'; id: number }
  | { type: 'recheck'; id: number; result: RecheckResult }
  | { type: 'unmount'; id: number; result: UnmountResult }
  | { type: 'disconnect'; id: number; result: NfsDisconnectResult }
  | { type: 'error'; id: number | null; error: WireError }
  | { type: 'event'; event: MonitorEvent };

/** Compatible when the majors are equal (PROTOCOL_VERSION is the major). */
export function isCompatibleProtocol(version: number): boolean {
  return version === PROTOCOL_VERSION;
}
