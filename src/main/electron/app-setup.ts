// App-level setup that must run before 'ready': where Electron writes, and the single-instance lock.
// Takes an `app`-shaped object (inject Electron objects) so it is tested in Node.
import type { App } from 'electron';
import type { AppDirs } from '../app-paths.js';

export type AppPathsTarget = Pick<App, 'setPath' | 'setAppLogsPath'> & { commandLine: Pick<App['commandLine'], 'appendSwitch'> };

/**
 * Points every directory Electron and Chromium write to at the local runtime directory (see
 * app-paths.ts for why never $HOME). Must run before the 'ready' event: Chromium opens sessionData and
 * its disk cache while starting (Electron docs, app.setPath: "should be called before ready").
 */
export function setupAppPaths(app: AppPathsTarget, dirs: AppDirs): void {
  app.setPath('appData', dirs.root);
  app.setPath('userData', dirs.userData);
  app.setPath('sessionData', dirs.sessionData);
  app.setPath('crashDumps', dirs.crashDumps);
  app.setAppLogsPath(dirs.logs);
  // Chromium's HTTP/GPU caches follow --disk-cache-dir (there is no app.setPath('cache')).
  app.commandLine.appendSwitch('disk-cache-dir', dirs.cache);
}

export type SingleInstanceTarget = Pick<App, 'requestSingleInstanceLock' | 'quit'> & {
  on(event: 'second-instance', listener: () => void): unknown;
};

/**
 * One tray per session: a second start hands over to the first (which shows its status window) and
 * quits. Returns false in the second instance.
 */
export function setupSingleInstance(app: SingleInstanceTarget, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', onSecondInstance);
  return true;
}
