// The socket's directory and the socket file itself: made with tight permissions, refused when someone
// else could have planted or swapped files in it, and a stale socket from a crashed helper removed, but
// only after checking that nothing answers on it (a live helper is never unlinked from under its clients).
//
// Only the runtime directory is touched here (a tmpfs: /run or $XDG_RUNTIME_DIR), never a mountpoint.
import { lstat, mkdir, chmod, unlink } from 'node:fs/promises';
import { connect } from 'node:net';

/**
 * "shared": the system service; the dir is 0755 and root's, so only root can create files in it, and the
 * socket is 0666 so any user may connect (connect(2) needs write permission on the socket, unix(7)).
 * "private": a user's helper; dir 0700, socket 0600.
 */
export type SocketAccess = 'shared' | 'private';

const DIR_MODE: Record<SocketAccess, number> = { shared: 0o755, private: 0o700 };
export const SOCKET_MODE: Record<SocketAccess, number> = { shared: 0o666, private: 0o600 };
/** Permission bits that must be clear on an existing dir: nobody else may write (shared) or enter (private). */
const FORBIDDEN_BITS: Record<SocketAccess, number> = { shared: 0o022, private: 0o077 };

class RuntimeDirError extends Error {
  constructor(
    message: string,
    readonly code: 'runtime-dir-unsafe' | 'helper-running' | 'socket-path-taken',
  ) {
    super(message);
    this.name = 'RuntimeDirError';
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Creates the dir (mode per access) or checks an existing one: a real directory, ours, no loose bits. */
export async function prepareRuntimeDir(dir: string, access: SocketAccess, uid = process.geteuid?.() ?? 0): Promise<void> {
  try {
    await mkdir(dir, { mode: DIR_MODE[access] });
    // mkdir(2) applies the umask; set the mode we mean.
    await chmod(dir, DIR_MODE[access]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(dir);
  if (!st.isDirectory()) {
    throw new RuntimeDirError(`${dir} is not a directory${st.isSymbolicLink() ? ' (a symlink)' : ''}: refusing to put the helper's socket there; remove it`, 'runtime-dir-unsafe');
  }
  if (st.uid !== uid) {
    throw new RuntimeDirError(
      `${dir} belongs to uid ${st.uid}, not to this helper (uid ${uid}): someone else could swap the socket; remove the directory or pass another --socket`,
      'runtime-dir-unsafe',
    );
  }
  if ((st.mode & FORBIDDEN_BITS[access]) !== 0) {
    throw new RuntimeDirError(
      `${dir} has mode ${octal(st.mode)}; it must be ${octal(DIR_MODE[access])} (no ${access === 'shared' ? 'write access' : 'access'} for others): fix it with chmod ${octal(DIR_MODE[access])} ${dir}`,
      'runtime-dir-unsafe',
    );
  }
}

/** 'live' when something accepts a connection on the socket, 'dead' when connect is refused. */
function probeSocket(socketPath: string, timeoutMs: number): Promise<'live' | 'dead' | 'silent'> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('silent');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('live');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'dead' : 'silent');
    });
  });
}

/**
 * Removes a socket left by a helper that died without cleaning up. Refuses (RuntimeDirError) when a live
 * helper answers on it, or when the path is not a socket at all.
 */
export async function removeStaleSocket(socketPath: string, timeoutMs = 1000): Promise<'none' | 'removed'> {
  let st;
  try {
    st = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  if (!st.isSocket()) {
    throw new RuntimeDirError(`${socketPath} exists and is not a socket: refusing to replace it; remove it by hand`, 'socket-path-taken');
  }
  const answer = await probeSocket(socketPath, timeoutMs);
  if (answer === 'live') {
    throw new RuntimeDirError(
      `a helper is already serving ${socketPath}: stop it first (sudo systemctl stop mount-status-monitor), or pass another --socket`,
      'helper-running',
    );
  }
  if (answer === 'silent') {
    throw new RuntimeDirError(`${socketPath} neither answers nor refuses connections within ${timeoutMs} ms: refusing to remove it`, 'helper-running');
  }
  try {
    await unlink(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return 'removed';
}
