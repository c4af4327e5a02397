// What one client may cost the helper. Every bound here protects the probing loop: the helper keeps
// sweeping whatever a client does, and a client that floods, stalls or sends garbage is dropped.
import { MAX_REPLY_FRAME_BYTES, MAX_REQUEST_FRAME_BYTES } from '../../common/protocol.js';
import type { BucketSpec } from './rate-limit.js';

export interface IpcLimits {
  /** Connections served at once, over all users; the next one gets a `too-many-clients` error and is closed. */
  maxClients: number;
  /**
   * Connections one user (uid, from the kernel: peer.ts) other than root may hold at once: a tray app per
   * graphical session and a few `mountstatus status` runs. A subscribed client is never dropped for
   * idleness (a tray is quiet for hours), so without this one user could hold every slot.
   */
  maxClientsPerUser: number;
  /** Slots only root may take: however many users hold their quota, an admin's `mountstatus status` works. */
  reservedForRoot: number;
  /** Largest client→helper frame; a bigger one drops the connection. */
  maxRequestFrameBytes: number;
  /** Largest helper→client frame; a bigger reply is answered with `too-large`. */
  maxReplyFrameBytes: number;
  /** A client that neither subscribes nor sends for this long is dropped. */
  idleMs: number;
  /**
   * Bytes written to a client but not yet taken by it (socket.writableLength, beyond the kernel's own
   * socket buffer). Checked before each write, so the bound is this plus one frame.
   */
  maxBacklogBytes: number;
  /** Messages a client may send in one second before it is dropped. */
  maxMessagesPerSecond: number;
  /** Error replies a client may cause before it is dropped. */
  maxErrors: number;
  /** Rechecks of every mount. */
  recheckAll: BucketSpec;
  /** Rechecks of one mount. */
  recheckOne: BucketSpec;
  /**
   * Rechecks of every mount, over all clients together. The per-client buckets start full on every
   * connection, so without this a client that reconnects in a loop could make the helper fork a probe per
   * mount as fast as it can connect.
   */
  globalRecheckAll: BucketSpec;
  /** Rechecks of one mount, over all clients together. */
  globalRecheckOne: BucketSpec;
}

export const DEFAULT_IPC_LIMITS: IpcLimits = {
  // 56 for users other than root, at most 8 each: seven users at their quota still leave room for root.
  maxClients: 64,
  maxClientsPerUser: 8,
  reservedForRoot: 8,
  maxRequestFrameBytes: MAX_REQUEST_FRAME_BYTES,
  maxReplyFrameBytes: MAX_REPLY_FRAME_BYTES,
  idleMs: 60_000,
  maxBacklogBytes: 4 * 1024 * 1024,
  maxMessagesPerSecond: 50,
  maxErrors: 20,
  recheckAll: { burst: 1, perSecond: 0.1 },
  recheckOne: { burst: 5, perSecond: 2 },
  // Room for several users' trays clicking "Recheck now" together; steady state one full recheck per 5 s.
  globalRecheckAll: { burst: 3, perSecond: 0.2 },
  globalRecheckOne: { burst: 20, perSecond: 10 },
};
