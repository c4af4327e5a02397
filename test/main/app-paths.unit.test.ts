import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, symlinkSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDirs, appRuntimeDir, ensurePrivateDir, pathWithoutHome, prepareAppDirs } from '../../src/main/app-paths.js';

test('runtime dir: XDG_RUNTIME_DIR, else /tmp/mount-status-monitor-app-UID, never under HOME', () => {
  assert.equal(appRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1000', HOME: '/home/a' }, 1000), '/run/user/1000/mount-status-monitor-app');
  assert.equal(appRuntimeDir({ HOME: '/home/a' }, 1000), '/tmp/mount-status-monitor-app-1000');
  assert.equal(appRuntimeDir({ XDG_RUNTIME_DIR: '/home/a/run', HOME: '/home/a' }, 7), '/tmp/mount-status-monitor-app-7');
  assert.equal(appRuntimeDir({ XDG_RUNTIME_DIR: 'relative' }, 7), '/tmp/mount-status-monitor-app-7');
  const d = appDirs('/r');
  for (const p of [d.userData, d.sessionData, d.cache, d.logs, d.crashDumps]) assert.ok(p.startsWith('/r/'));
});

test('prepareAppDirs makes 0700 directories; a planted symlink is refused', () => {
  const base = mkdtempSync(join(tmpdir(), 'msm-paths-'));
  try {
    const dirs = prepareAppDirs({ XDG_RUNTIME_DIR: base, HOME: '/nonexistent-home' });
    for (const p of Object.values(dirs)) assert.equal(statSync(p).mode & 0o777, 0o700, p);
    chmodSync(dirs.logs, 0o755);
    ensurePrivateDir(dirs.logs);
    assert.equal(statSync(dirs.logs).mode & 0o777, 0o700);
    mkdirSync(join(base, 'elsewhere'));
    symlinkSync(join(base, 'elsewhere'), join(base, 'link'));
    assert.throws(() => ensurePrivateDir(join(base, 'link')), /not a directory/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('PATH loses entries under HOME and relative ones', () => {
  assert.equal(
    pathWithoutHome('/home/a/.local/bin:/usr/bin:/home/a/bin:bin::/bin:/home/ab/bin', '/home/a'),
    '/usr/bin:/bin:/home/ab/bin',
  );
  assert.equal(pathWithoutHome('/usr/bin', undefined), '/usr/bin');
});
