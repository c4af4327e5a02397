// Who a client is, from the kernel: the uid, gid and pid the peer had when it connected (SO_PEERCRED on
// Linux, getpeereid(3) elsewhere), read by the peercred addon (src/helper/native/peercred.c). What a
// client says about itself in its hello is never used to decide anything.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCredentials {
  uid: number;
  gid: number;
  /** 0 when the platform does not tell. */
  pid: number;
}

interface Addon {
  peerCredentials(fd: number): PeerCredentials;
}

let addon: Addon | undefined;

function load(): Addon {
  // dist/src/helper/ipc/peer.js -> dist/native/peercred.node (built by `make native`).
  addon ??= createRequire(import.meta.url)('../../../native/peercred.node') as Addon;
  return addon;
}

/**
 * The credentials of an accepted Unix-socket connection. Throws when the socket has no descriptor (it is
 * already closed) or the addon is missing: a client whose identity is unknown is not served.
 */
export function peerCredentials(socket: Socket): PeerCredentials {
  // libuv's pipe handle carries its descriptor on Unix; Node has no public accessor for it, nor getsockopt.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw Object.assign(new Error('the connection has no file descriptor'), { code: 'EBADF' });
  return load().peerCredentials(fd);
}
