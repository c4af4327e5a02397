// The world the app's real entry point runs in for the app tests: an unprivileged user (msm-test) whose
// home directory is a real FUSE mount (the msm-fusefix fixture, owned by that user), a runtime directory
// of its own, and a private D-Bus session with Debian's notification-daemon (and, when asked, a tray
// host). Use inside privateMountNamespace().
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppUnderTest } from '../../support/electron-app.js';
import { startNotificationSession, type NotificationSession } from '../../support/dbus-session.js';
import { startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';

export interface AppWorld {
  user: TestUser;
  /** The user's home directory: the FUSE mount. */
  home: string;
  fuse: FuseFixture;
  runtimeDir: string;
  session: NotificationSession;
  /** The environment a desktop session gives the app. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Starts the real entry point as the user, in the home directory (where a session starts autostart entries). */
  start(extra?: NodeJS.ProcessEnv): AppUnderTest;
  stop(): Promise<void>;
}

export async function startAppWorld(): Promise<AppWorld> {
  const user = ensureTestUser();
  const base = mkdtempSync(join(tmpdir(), 'msm-tray-app-'));
  chmodSync(base, 0o755); // the user must reach its home and runtime directory inside
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  chownSync(runtimeDir, user.uid, user.gid);
  const fuse = await startFuseFixture(join(base, 'home'), { uid: user.uid, gid: user.gid, rootMode: 0o755, fsname: 'nfs1:/export/home', subtype: 'msm-home' });
  const session = await startNotificationSession();
  const apps: AppUnderTest[] = [];
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: fuse.mountpoint,
    USER: user.name,
    LOGNAME: user.name,
    XDG_RUNTIME_DIR: runtimeDir,
    ...session.env,
    ...extra,
  });
  return {
    user,
    home: fuse.mountpoint,
    fuse,
    runtimeDir,
    session,
    env,
    start(extra) {
      const app = startApp({ env: env(extra), uid: user.uid, gid: user.gid, cwd: fuse.mountpoint });
      apps.push(app);
      return app;
    },
    async stop() {
      for (const a of apps) await a.kill();
      await fuse.stop();
      await session.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
