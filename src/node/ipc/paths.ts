// Where the helper's socket lives. A runtime directory (tmpfs, cleared at boot, never a network mount):
// /run/<name>/ for the system service (systemd's RuntimeDirectory=), $XDG_RUNTIME_DIR/<name>/ for a
// helper run by a user (XDG Base Directory spec: owned by the user, mode 0700). The file name carries the
// protocol major so helpers of two majors never answer each other's clients.
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '../../common/protocol.js';

const RUNTIME_DIR_NAME = 'mount-status-monitor';
// macOS has no /run; /var/run is its runtime directory (the launchd plist passes the same path).
const SYSTEM_RUNTIME_ROOT = process.platform === 'darwin' ? '/var/run' : '/run';

function socketFileName(version: number = PROTOCOL_VERSION): string {
  return `helper-v${version}.sock`;
}

export interface SocketPathOptions {
  /** True for the system service (root): /run/mount-status-monitor/. */
  privileged: boolean;
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

/**
 * The default socket path. Unprivileged without $XDG_RUNTIME_DIR (no login session, e.g. cron),
 * falls back to /tmp/mount-status-monitor-<uid>/, which the server only uses if it owns it with mode 0700.
 */
export function defaultSocketPath(options: SocketPathOptions): string {
  return join(defaultRuntimeDir(options), socketFileName());
}

function defaultRuntimeDir({ privileged, env = process.env, uid = process.getuid?.() ?? 0 }: SocketPathOptions): string {
  if (privileged) return join(SYSTEM_RUNTIME_ROOT, RUNTIME_DIR_NAME);
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith('/')) return join(xdg, RUNTIME_DIR_NAME);
  return join('/tmp', `${RUNTIME_DIR_NAME}-${uid}`);
}

/** The sockets a client tries, in order: the system helper's, then this user's own. */
export function candidateSocketPaths(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string[] {
  const paths = [defaultSocketPath({ privileged: true })];
  if (uid !== 0) paths.push(defaultSocketPath({ privileged: false, env, uid }));
  return paths;
}
