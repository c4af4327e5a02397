// The helper↔app contract: every message that crosses the helper's Unix socket, as one tagged union
// (`type`), validated with zod on every receive at both ends. Frames are 4-byte big-endian length +
// UTF-8 JSON (src/node/ipc/framing.ts). Requests carry an `id`; the reply has the same `type` and echoes
// the id; `error` replies answer any request; `event` frames are pushed to subscribed clients.
//
// Versioning: PROTOCOL_VERSION is the major. A helper refuses a hello from another major with
// `version-mismatch` and the socket's file name carries it (helper-v1.sock), so two majors can coexist.
// Within a major, fields may only be added: data objects are parsed loosely (unknown fields pass through)
// so an older app keeps working against a newer helper.
import { z } from 'zod';
import type { MonitorEvent, MonitorIdentity, RecheckResult, Snapshot } from './monitor-api.js';
import { MOUNT_STATES, type MountState, type MountStatus } from './mount.js';
import { UNMOUNT_MODES, type NfsDisconnectResult, type UnmountResult } from './recovery.js';

export const PROTOCOL_VERSION = 1;
/** What the helper calls itself in its hello reply. */
export const PROTOCOL_SERVER_NAME = 'mount-status-monitor';

/** Client→server frames are small: the largest is a recheck naming one path (PATH_MAX is 4096). */
export const MAX_REQUEST_FRAME_BYTES = 16 * 1024;
/**
 * Server→client frames carry whole snapshots: a mount with capacity, server and timestamps is ~400 bytes
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

// ---- data schemas (server→client payloads) -----------------------------------------------------------


const capacitySchema = z.looseObject({
  totalBytes: z.number(),
  freeBytes: z.number(),
  availBytes: z.number(),
  totalInodes: z.number(),
  freeInodes: z.number(),
});

const blockedSchema = z.looseObject({
  count: z.number(),
  processes: z.array(z.looseObject({ pid: z.number(), comm: z.string(), uid: z.number() })),
  unexamined: z.number().optional(),
});

const mountStatusSchema = z.looseObject({
  mountpoint: z.string(),
  source: z.string(),
  fstype: z.string(),
  mountId: z.number(),
  state: z.enum(MOUNT_STATES),
  errno: z.string().optional(),
  message: z.string().optional(),
  latencyMs: z.number().optional(),
  since: z.number(),
  checkedAt: z.number().optional(),
  stuckForMs: z.number().optional(),
  probePid: z.number().optional(),
  capacity: capacitySchema.optional(),
  server: z.string().optional(),
  serverAddress: z.string().optional(),
  watched: z.enum(['home', 'pattern']).optional(),
  mountedBy: z.number().optional(),
  blocked: blockedSchema.optional(),
  degrading: z.looseObject({ reason: z.string(), since: z.number() }).optional(),
  truncated: z.record(z.string(), z.number()).optional(),
});

const identitySchema = z.looseObject({
  mode: z.enum(['system', 'user', 'embedded']),
  privileged: z.boolean(),
  pid: z.number(),
  version: z.string(),
});

const sweepSummarySchema = z.looseObject({
  checked: z.number(),
  dead: z.number(),
  seconds: z.number(),
  finishedAt: z.number(),
});

const snapshotSchema = z.looseObject({
  identity: identitySchema,
  lastSweep: sweepSummarySchema.optional(),
  mounts: z.array(mountStatusSchema),
  omitted: z.number().optional(),
});

const monitorEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('mount'), mount: mountStatusSchema, previous: z.enum(MOUNT_STATES).nullable() }),
  z.looseObject({ type: z.literal('removed'), mountpoint: z.string() }),
  z.looseObject({ type: z.literal('sweep'), summary: sweepSummarySchema }),
]);

const unmountResultSchema = z.looseObject({
  mountpoint: z.string(),
  mode: z.enum(UNMOUNT_MODES),
  dryRun: z.boolean(),
  state: z.enum(MOUNT_STATES),
  plan: z.array(
    z.looseObject({ mountpoint: z.string(), mountId: z.number(), fstype: z.string(), source: z.string(), server: z.string().optional() }),
  ),
  blocked: blockedSchema.optional(),
  steps: z.array(z.string()),
  gone: z.boolean(),
  outcome: z.enum(['unmounted', 'detached', 'expired', 'left']).optional(),
  reason: z.string().optional(),
});

const disconnectResultSchema = z.looseObject({
  mountpoint: z.string(),
  dryRun: z.boolean(),
  state: z.enum(MOUNT_STATES),
  method: z.enum(['shutdown', ...UNMOUNT_MODES]),
  sharing: z.array(z.string()),
  blocked: blockedSchema.optional(),
  released: z.number().optional(),
  stay: z.array(z.looseObject({ pid: z.number(), comm: z.string(), uid: z.number() })).optional(),
  steps: z.array(z.string()),
  disconnected: z.boolean(),
  unmounted: z.boolean(),
  reason: z.string().optional(),
});

const recheckResultSchema = z.looseObject({
  started: z.array(z.string()),
  skipped: z.array(z.looseObject({ mountpoint: z.string(), reason: z.string() })),
});

// What the schemas produce must be the shared types (checked by the compiler, one way: the shared types
// may gain optional fields, which pass through the loose objects untouched until a schema names them).
type Assignable<From, To> = [From] extends [To] ? true : false;
const checks: [
  Assignable<z.infer<typeof mountStatusSchema>, MountStatus>,
  Assignable<z.infer<typeof identitySchema>, MonitorIdentity>,
  Assignable<z.infer<typeof snapshotSchema>, Snapshot>,
  Assignable<z.infer<typeof monitorEventSchema>, MonitorEvent>,
  Assignable<z.infer<typeof recheckResultSchema>, RecheckResult>,
  Assignable<z.infer<typeof unmountResultSchema>, UnmountResult>,
  Assignable<z.infer<typeof disconnectResultSchema>, NfsDisconnectResult>,
  Assignable<MountState, z.infer<(typeof mountStatusSchema.shape)['state']>>,
] = [true, true, true, true, true, true, true, true];
void checks;

// ---- requests (client→server) ------------------------------------------------------------------------

const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const helloRequestSchema = z.object({
  type: z.literal('hello'),
  id: requestId,
  /** The client's protocol major. */
  protocol: z.number().int().min(0),
  /** Who is asking, for the helper's log ("tray", "mountstatus status"). */
  client: z.string().max(200),
});

const requestSchema = z.discriminatedUnion('type', [
  helloRequestSchema,
  z.object({ type: z.literal('snapshot'), id: requestId }),
  z.object({ type: z.literal('subscribe'), id: requestId }),
  z.object({ type: z.literal('unsubscribe'), id: requestId }),
  z.object({
    type: z.literal('recheck'),
    id: requestId,
    /** A mountpoint from the table; absent = all. Anything else is refused with not-a-mountpoint. */
    mountpoint: z.string().min(1).max(MAX_PATH_LENGTH).optional(),
  }),
  z.object({
    type: z.literal('unmount'),
    id: requestId,
    /** A mountpoint from the table, exactly as mountinfo has it. */
    mountpoint: z.string().min(1).max(MAX_PATH_LENGTH),
    mode: z.enum(UNMOUNT_MODES),
    /** Unmount even a mount that answers (the CLI's --yes); otherwise one is refused. */
    evenIfHealthy: z.boolean().optional(),
    /** Only check and say what would be done (permission included): nothing is touched. */
    dryRun: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('disconnect'),
    id: requestId,
    /** An NFS mountpoint from the table, exactly as mountinfo has it. */
    mountpoint: z.string().min(1).max(MAX_PATH_LENGTH),
    /** Afterwards unmount it lazily (root and the admin-group only). */
    thenUnmount: z.boolean().optional(),
    evenIfHealthy: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  }),
]);

export type Request = z.infer<typeof requestSchema>;
export type RequestType = Request['type'];
const REQUEST_TYPES: readonly RequestType[] = ['hello', 'snapshot', 'subscribe', 'unsubscribe', 'recheck', 'unmount', 'disconnect'];

// ---- server messages (server→client) -----------------------------------------------------------------

const wireErrorSchema = z.looseObject({
  name: z.string(),
  message: z.string(),
  code: z.string(),
  retryAfterMs: z.number().optional(),
});

const serverMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('hello'),
    id: requestId,
    protocol: z.number().int(),
    server: z.string(),
    identity: identitySchema,
  }),
  z.looseObject({ type: z.literal('snapshot'), id: requestId, snapshot: snapshotSchema }),
  z.looseObject({ type: z.literal('subscribe'), id: requestId }),
  z.looseObject({ type: z.literal('unsubscribe'), id: requestId }),
  z.looseObject({ type: z.literal('recheck'), id: requestId, result: recheckResultSchema }),
  z.looseObject({ type: z.literal('unmount'), id: requestId, result: unmountResultSchema }),
  z.looseObject({ type: z.literal('disconnect'), id: requestId, result: disconnectResultSchema }),
  /** id is null when the request's id could not be read (bad JSON, no id). */
  z.looseObject({ type: z.literal('error'), id: requestId.nullable(), error: wireErrorSchema }),
  z.looseObject({ type: z.literal('event'), event: monitorEventSchema }),
]);

export type HelperMessage = z.infer<typeof serverMessageSchema>;
export type HelperMessageType = HelperMessage['type'];
const SERVER_MESSAGE_TYPES: readonly HelperMessageType[] = [
  'hello', 'snapshot', 'subscribe', 'unsubscribe', 'recheck', 'unmount', 'disconnect', 'error', 'event',
];

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

// ---- parsing ------------------------------------------------------------------------------------------

export type ParseResult<T> =
  | { ok: true; message: T }
  /** id: the request's id when it could be read, so the error reply can echo it. */
  | { ok: false; id: number | null; error: WireError };

function fail(id: number | null, code: ErrorCode, message: string): { ok: false; id: number | null; error: WireError } {
  return { ok: false, id, error: { name: 'ProtocolError', code, message } };
}

function summarize(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid message';
  const where = first.path.length > 0 ? first.path.join('.') : 'message';
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return `${where}: ${first.message}${more}`;
}

/** Parses one frame's text into a message, or says exactly why not. Never throws. */
function parseTagged<T>(
  text: string,
  schema: z.ZodType<T>,
  knownTypes: readonly string[],
  what: string,
): ParseResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(null, 'bad-json', `frame is not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(null, 'bad-message', `a ${what} must be a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const id = requestId.safeParse(obj.id).success ? (obj.id as number) : null;
  if (typeof obj.type !== 'string') {
    return fail(id, 'bad-message', `a ${what} needs a string "type"`);
  }
  if (!knownTypes.includes(obj.type)) {
    return fail(id, 'unknown-type', `unknown ${what} type ${JSON.stringify(obj.type.slice(0, 64))}; known: ${knownTypes.join(', ')}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return fail(id, 'bad-message', `invalid ${obj.type} ${what}: ${summarize(parsed.error)}`);
  }
  return { ok: true, message: parsed.data };
}

/** The helper's side: one client frame → a request. */
export function parseRequest(text: string): ParseResult<Request> {
  return parseTagged(text, requestSchema, REQUEST_TYPES, 'request');
}

/** The app's side: one helper frame → a reply or event. */
export function parseHelperMessage(text: string): ParseResult<HelperMessage> {
  return parseTagged(text, serverMessageSchema, SERVER_MESSAGE_TYPES, 'server message');
}

/** Compatible when the majors are equal (PROTOCOL_VERSION is the major). */
export function isCompatibleProtocol(version: number): boolean {
  return version === PROTOCOL_VERSION;
}
