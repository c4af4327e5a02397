// Where the app keeps its files: a local runtime directory, never under $HOME.
//
// Electron puts userData, cache, logs, sessionData and crash dumps under ~/.config/<app> and ~/.cache by
// default; with an NFS home every write there blocks when the server stops answering, and the app that
// should warn about the hang hangs first. So they go to $XDG_RUNTIME_DIR/mount-status-monitor-app
// (a per-user tmpfs, XDG Base Directory spec) or /tmp/mount-status-monitor-app-$UID, mode 0700, chosen from
// strings without touching $HOME. Nothing there needs to survive a reboot: the app has no settings of
// its own yet, and the helper holds the state.
import { lstatSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { isUnder } from '../common/mount-table/path-to-mount.js';
import { normaliseHome } from './app/home-mount.js';

export interface AppDirs {
  root: string;
  userData: string;
  sessionData: string;
  cache: string;
  logs: string;
  crashDumps: string;
  /** $HOME for the Electron process and its children (electron-env.ts), so Chromium and GTK write here. */
  home: string;
}

/** The runtime directory: $XDG_RUNTIME_DIR/mount-status-monitor-app, else /tmp/mount-status-monitor-app-$UID. */
export function appRuntimeDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  // MSM_HOME too: in the Electron process HOME is the runtime dir's stand-in (electron-env.ts) and
  // MSM_HOME the real home, and the answer must be the same before and after that switch.
  const homes = [env.HOME, env.MSM_HOME].map((h) => normaliseHome(h));
  const xdg = env.XDG_RUNTIME_DIR;
  // An XDG_RUNTIME_DIR that is relative, or (misconfigured) inside the home directory, is not used.
  if (xdg && xdg.startsWith('/') && !homes.some((home) => home && home !== '/' && isUnder(xdg, home))) {
    return join(xdg, 'mount-status-monitor-app');
  }
  // Not /tmp/mount-status-monitor-$UID: that is the user helper's socket directory (src/node/ipc/paths.ts).
  return `/tmp/mount-status-monitor-app-${uid}`;
}

export function appDirs(root: string): AppDirs {
  return {
    root,
    userData: join(root, 'user-data'),
    sessionData: join(root, 'session-data'),
    cache: join(root, 'cache'),
    logs: join(root, 'logs'),
    crashDumps: join(root, 'crash-dumps'),
    home: join(root, 'home'),
  };
}

/**
 * Creates `dir` (mode 0700) and checks it is a real directory owned by us, not a symlink someone else
 * planted in /tmp; tightens its mode if needed. Throws with what to do otherwise.
 */
export function ensurePrivateDir(dir: string, uid: number = process.getuid?.() ?? 0): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`${dir} is not a directory: remove it and start again`);
  if (st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not ${uid}: remove it and start again`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Makes the runtime directory and its subdirectories; returns them. */
export function prepareAppDirs(env: NodeJS.ProcessEnv = process.env): AppDirs {
  const dirs = appDirs(appRuntimeDir(env));
  ensurePrivateDir(dirs.root);
  for (const d of [dirs.userData, dirs.sessionData, dirs.cache, dirs.logs, dirs.crashDumps, dirs.home]) ensurePrivateDir(d);
  return dirs;
}

/**
 * $PATH without entries under $HOME (~/bin, ~/.local/bin): the shell that runs notify-send, and any
 * `which`, would stat them, and hang with the home directory. String comparison only.
 */
export function pathWithoutHome(path: string | undefined, home: string | undefined): string {
  const h = normaliseHome(home);
  const parts = (path ?? '').split(':').filter((p) => p !== '');
  return parts.filter((p) => !(h && h !== '/' && (isUnder(p, h) || !p.startsWith('/')))).join(':');
}
