// What a message may cost on the wire (issue 15 item 5). A user controls the paths of their own mounts,
// and a path has no length limit once its parents are renamed: one FUSE mount moved under 3,000 nested
// 255-byte names made every snapshot bigger than the frame, so every `status` and tray got "too large"
// and that mount's events were dropped. So every text of a mount is cut to MAX_WIRE_TEXT_BYTES of JSON
// (src/common/protocol.ts says how), and a snapshot still too big for one frame keeps the mounts with a
// problem first and says how many it left out. The cut itself is src/node/cut-text.ts, shared with the log.
import type { MountStatus } from '../../common/mount.js';
import { isWell } from '../../common/state-classes.js';
import { MAX_WIRE_TEXT_BYTES, type OutgoingServerMessage } from '../../common/protocol.js';
import type { Snapshot } from '../../common/monitor-api.js';
import { textCutter } from '../../node/cut-text.js';

/** What JSON.stringify writes for the code unit at `i`, in UTF-8 bytes, and how many units it took. */
function jsonUnitCost(s: string, i: number): [bytes: number, units: number] {
  const c = s.charCodeAt(i);
  if (c < 0x20) return [c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6, 1]; // \n or \u0001
  if (c === 0x22 || c === 0x5c) return [2, 1];
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff ? [4, 2] : [6, 1]; // a pair, or a lone surrogate written as \udXXX
  }
  if (c >= 0xdc00 && c <= 0xdfff) return [6, 1];
  return [3, 1];
}

const QUOTES = 2;

/** `text`, or its head and tail around `…[768123 bytes, sha256 3f2a9c0e1b7d]…` when its JSON is too long. */
export const wireText: (text: string) => string = textCutter(MAX_WIRE_TEXT_BYTES - QUOTES, jsonUnitCost, 6);

const TOP_TEXTS = ['mountpoint', 'source', 'fstype', 'message', 'server', 'suspect'] as const;
const AUTOMOUNT_TEXTS = ['map', 'autofsMountpoint'] as const;

/** The mount with every text cut to the wire's bound, and `truncated` saying what was cut; `m` itself when nothing was. */
export function wireMount(m: MountStatus): MountStatus {
  let out: MountStatus | undefined;
  const truncated: Record<string, number> = {};
  for (const key of TOP_TEXTS) {
    const text = m[key];
    if (text === undefined) continue;
    const cut = wireText(text);
    if (cut === text) continue;
    out ??= { ...m };
    out[key] = cut;
    truncated[key] = Buffer.byteLength(text, 'utf8');
  }
  if (m.automount) {
    for (const key of AUTOMOUNT_TEXTS) {
      const text = m.automount[key];
      if (text === undefined) continue;
      const cut = wireText(text);
      if (cut === text) continue;
      out ??= { ...m };
      out.automount = { ...(out.automount ?? m.automount), [key]: cut };
      truncated[`automount.${key}`] = Buffer.byteLength(text, 'utf8');
    }
  }
  if (!out) return m;
  out.truncated = truncated;
  return out;
}

/** Every text in `message` cut to the wire's bound (snapshots, events, recheck results). */
export function wireMessage(message: OutgoingServerMessage): OutgoingServerMessage {
  switch (message.type) {
    case 'snapshot':
      return { ...message, snapshot: { ...message.snapshot, mounts: message.snapshot.mounts.map(wireMount) } };
    case 'event': {
      const e = message.event;
      if (e.type === 'mount') return { type: 'event', event: { ...e, mount: wireMount(e.mount) } };
      if (e.type === 'removed') return { type: 'event', event: { ...e, mountpoint: wireText(e.mountpoint) } };
      return message;
    }
    case 'recheck': {
      const { started, skipped } = message.result;
      return {
        ...message,
        result: { ...message.result, started: started.map(wireText), skipped: skipped.map((s) => ({ ...s, mountpoint: wireText(s.mountpoint), reason: wireText(s.reason) })) },
      };
    }
    default:
      return message;
  }
}

/**
 * A snapshot cut to fit `maxBytes` of JSON with its reply around it: mounts with a problem first, then the
 * rest in table order, as many as fit, in table order; `omitted` says how many were left out.
 */
export function fitSnapshot(snapshot: Snapshot, id: number, maxBytes: number): Snapshot {
  const envelope = Buffer.byteLength(JSON.stringify({ type: 'snapshot', id, snapshot: { ...snapshot, mounts: [], omitted: snapshot.mounts.length } }));
  let room = maxBytes - envelope;
  const order = snapshot.mounts.map((m, i) => i);
  order.sort((a, b) => Number(isWell(snapshot.mounts[a]!.state)) - Number(isWell(snapshot.mounts[b]!.state)) || a - b);
  const keep = new Set<number>();
  for (const i of order) {
    const cost = Buffer.byteLength(JSON.stringify(snapshot.mounts[i])) + 1; // and its comma
    if (cost > room) continue;
    room -= cost;
    keep.add(i);
  }
  const mounts = snapshot.mounts.filter((_, i) => keep.has(i));
  return { ...snapshot, mounts, omitted: snapshot.mounts.length - mounts.length };
}
