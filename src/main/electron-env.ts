// The environment the Electron process runs in: nothing in it leads to the real home directory.
//
// app.setPath() (app-setup.ts) moves Electron's own directories, but Chromium and the libraries it
// loads find theirs through $HOME and the XDG variables, at times we do not choose: NSS opens
// ~/.pki/nssdb (Chromium crypto/nss_util.cc, via base::GetHomeDir), fontconfig its cache in
// $XDG_CACHE_HOME (~/.cache/fontconfig), GTK and dconf read and write $XDG_CONFIG_HOME (~/.config/gtk-3.0,
// ~/.config/dconf/user), Mesa its shader cache in $XDG_CACHE_HOME, GLib ~/.local/share/recently-used.xbel.
// Each is one blocked thread, or a frozen UI, when the home directory is a dead NFS mount. So HOME and
// the XDG base directories point into the app's runtime directory; MSM_HOME keeps the real home as a
// string for the home-directory notification (home-mount.ts homeFromEnv reads MSM_HOME first).
//
// The working directory matters too: a desktop session starts autostart entries in $HOME, and every
// `/bin/sh -c` that node-notifier runs for notify-send inherits it. dash (and bash) stat $PWD and "." at
// start-up to validate PWD (dash src/cd.c, getpwd), so with the cwd on a dead home the shell that should
// deliver the "home not responding" notification hangs. The process therefore runs in "/" with PWD=/.
//
// Plain module (no Electron import): bin/start.js builds the child's environment with it, and main.ts
// applies it to its own process before 'ready' for launches that did not go through bin/start.js.
import { join } from 'node:path';
import { pathWithoutHome, prepareAppDirs, type AppDirs } from './app-paths.js';
import { normaliseHome } from './app/home-mount.js';

/** Set in the environment once it has been made home-free, so applying it twice changes nothing. */
export const ELECTRON_ENV_MARK = 'MSM_ELECTRON_ENV';

/** The working directory of the Electron process: never the home directory. */
export const ELECTRON_CWD = '/';

/**
 * `env` with HOME, the XDG base directories and PWD moved off the real home, PATH without entries under
 * it, and MSM_HOME naming it. XAUTHORITY, when unset, is pinned to the real ~/.Xauthority: Xlib reads it
 * once while connecting to the display at start (a moved HOME would otherwise lose the X cookie).
 */
export function electronEnvironment(env: NodeJS.ProcessEnv, dirs: Pick<AppDirs, 'home'>): NodeJS.ProcessEnv {
  if (env[ELECTRON_ENV_MARK] === '1') return { ...env };
  const realHome = normaliseHome(env.MSM_HOME ?? env.HOME);
  const home = dirs.home;
  const out: NodeJS.ProcessEnv = {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    PWD: ELECTRON_CWD,
    PATH: pathWithoutHome(env.PATH, realHome),
    [ELECTRON_ENV_MARK]: '1',
  };
  if (realHome !== undefined) out.MSM_HOME = realHome;
  if (out.XAUTHORITY === undefined && realHome !== undefined && env.DISPLAY) out.XAUTHORITY = join(realHome, '.Xauthority');
  return out;
}

/** Makes the app's directories (app-paths.ts) and returns the environment for Electron. */
export function prepareElectronEnvironment(env: NodeJS.ProcessEnv = process.env): { env: NodeJS.ProcessEnv; dirs: AppDirs; cwd: string } {
  const dirs = prepareAppDirs(env);
  return { env: electronEnvironment(env, dirs), dirs, cwd: ELECTRON_CWD };
}
