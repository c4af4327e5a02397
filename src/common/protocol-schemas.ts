// The protocol's schemas (src/common/protocol.ts): every frame that crosses the helper's socket is
// checked against them on receive, at both ends. Loose data objects: within a major, fields may only be
// added, so an older app keeps working against a newer helper.
import { z } from 'zod';
import type { MonitorEvent, MonitorIdentity, RecheckResult, Snapshot } from './monitor-api.js';
import { MOUNT_STATES, type MountState, type MountStatus } from './mount.js';
import { UNMOUNT_MODES, type NfsDisconnectResult, type UnmountResult } from './recovery.js';
import { MAX_PATH_LENGTH, type ErrorCode, type WireError } from './protocol.js';

// ---- data schemas (helper→client payloads) -----------------------------------------------------------


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
  z.looseObject({ type: z.literal('sweep'), summary: sweepSummarySchema, probes: z.array(z.tuple([z.number(), z.number(), z.number()])).optional() }),
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

// ---- requests (client→helper) ------------------------------------------------------------------------

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

// ---- helper messages (helper→client) -----------------------------------------------------------------

const wireErrorSchema = z.looseObject({
  name: z.string(),
  message: z.string(),
  code: z.string(),
  retryAfterMs: z.number().optional(),
});

const helperMessageSchema = z.discriminatedUnion('type', [
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

export type HelperMessage = z.infer<typeof helperMessageSchema>;
type HelperMessageType = HelperMessage['type'];
const HELPER_MESSAGE_TYPES: readonly HelperMessageType[] = [
  'hello', 'snapshot', 'subscribe', 'unsubscribe', 'recheck', 'unmount', 'disconnect', 'error', 'event',
];

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
  return parseTagged(text, helperMessageSchema, HELPER_MESSAGE_TYPES, 'helper message');
}
