import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDirs, appRuntimeDir } from '../../src/main/app-paths.js';
import { ELECTRON_CWD, ELECTRON_ENV_MARK, electronEnvironment, prepareElectronEnvironment } from '../../src/main/electron-env.js';
import { isUnder } from '../../src/common/mount-table/path-to-mount.js';
import { homeFromEnv } from '../../src/main/app/home-mount.js';

const desktop: NodeJS.ProcessEnv = {
  HOME: '/home/alice/',
  PATH: '/home/alice/.local/bin:/usr/local/bin:/usr/bin:/home/alice/bin:/bin',
  PWD: '/home/alice',
  DISPLAY: ':0',
  XDG_RUNTIME_DIR: '/run/user/1000',
  XDG_CONFIG_HOME: '/home/alice/.config',
  XDG_CACHE_HOME: '/home/alice/.cache',
  DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus',
};

test('the Electron environment leads nowhere under the real home, and still names it for the notifications', () => {
  const dirs = appDirs(appRuntimeDir(desktop, 1000));
  const env = electronEnvironment(desktop, dirs);
  assert.equal(env.HOME, '/run/user/1000/mount-status-monitor-app/home');
  for (const key of ['HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'PWD']) {
    const value = env[key];
    assert.ok(value !== undefined && value.startsWith('/'), `${key} is set and absolute`);
    assert.ok(!isUnder(value, '/home/alice'), `${key}=${value} is under the real home`);
  }
  assert.equal(env.PWD, ELECTRON_CWD);
  assert.equal(env.PATH, '/usr/local/bin:/usr/bin:/bin');
  // The real home is still known, as a string, for the home-directory notification.
  assert.equal(env.MSM_HOME, '/home/alice');
  assert.equal(homeFromEnv(env), '/home/alice');
  // Xlib reads the cookie once while connecting at start; without this a moved HOME loses it.
  assert.equal(env.XAUTHORITY, '/home/alice/.Xauthority');
  assert.equal(env.DBUS_SESSION_BUS_ADDRESS, desktop.DBUS_SESSION_BUS_ADDRESS);
  // The app's directories are the same computed from either environment (main.ts recomputes them).
  assert.equal(appRuntimeDir(env, 1000), appRuntimeDir(desktop, 1000));
  // Applying it again (start.js, then main.ts) changes nothing.
  assert.equal(env[ELECTRON_ENV_MARK], '1');
  assert.deepEqual(electronEnvironment(env, appDirs('/elsewhere')), env);
});

test('an XDG_RUNTIME_DIR inside the home is not used, before or after HOME moves', () => {
  const env0 = { HOME: '/home/bob', XDG_RUNTIME_DIR: '/home/bob/run' };
  const dirs = appDirs(appRuntimeDir(env0, 7));
  assert.equal(dirs.root, '/tmp/mount-status-monitor-app-7');
  const env = electronEnvironment(env0, dirs);
  assert.equal(appRuntimeDir(env, 7), dirs.root);
  assert.equal(env.XAUTHORITY, undefined, 'no display: nothing to pin');
});

test('HOME=/ and no HOME: nothing is dropped from PATH, no MSM_HOME is made up', () => {
  const root = electronEnvironment({ HOME: '/', PATH: '/usr/bin:/bin' }, { home: '/r/home' });
  assert.equal(root.PATH, '/usr/bin:/bin');
  assert.equal(root.MSM_HOME, '/');
  const none = electronEnvironment({ PATH: '/usr/bin' }, { home: '/r/home' });
  assert.equal(none.MSM_HOME, undefined);
  assert.equal(none.HOME, '/r/home');
});

test('prepareElectronEnvironment makes the stand-in home as a private directory', () => {
  const base = mkdtempSync(join(tmpdir(), 'msm-env-'));
  try {
    const { env, dirs, cwd } = prepareElectronEnvironment({ XDG_RUNTIME_DIR: base, HOME: '/nonexistent-home' });
    assert.equal(env.HOME, dirs.home);
    assert.equal(statSync(dirs.home).mode & 0o777, 0o700);
    assert.equal(cwd, '/');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
