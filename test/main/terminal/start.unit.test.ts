// bin/start.js decides between the tray app and the terminal view without downloading Electron.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const startUrl = new URL('../../../../bin/start.js', import.meta.url).href;
interface StartModule {
  electronBinary(env?: NodeJS.ProcessEnv): string | undefined;
  hasDisplay(env?: NodeJS.ProcessEnv): boolean;
}
const load = () => import(startUrl) as Promise<StartModule>;

test('display detection: X11 or Wayland', async () => {
  const { hasDisplay } = await load();
  assert.equal(hasDisplay({}), false);
  assert.equal(hasDisplay({ DISPLAY: ':0' }), true);
  assert.equal(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }), true);
});

test('electron binary: found only where it exists, never downloaded', async () => {
  const { electronBinary } = await load();
  const pkg = new URL('../../../../node_modules/electron/', import.meta.url).pathname;
  const rel = existsSync(join(pkg, 'path.txt')) ? readFileSync(join(pkg, 'path.txt'), 'utf8') : undefined;
  const real = rel && existsSync(join(pkg, 'dist', rel)) ? join(pkg, 'dist', rel) : undefined;
  assert.equal(electronBinary({}), real);
  assert.ok(!existsSync(join(pkg, 'dist')) || real !== undefined, 'no half-downloaded dist left behind');
  const over = mkdtempSync(join(tmpdir(), 'msm-electron-'));
  try {
    assert.equal(electronBinary({ ELECTRON_OVERRIDE_DIST_PATH: over }), undefined);
    mkdirSync(over, { recursive: true });
    writeFileSync(join(over, rel ?? 'electron'), '');
    assert.equal(electronBinary({ ELECTRON_OVERRIDE_DIST_PATH: over }), join(over, rel ?? 'electron'));
  } finally {
    rmSync(over, { recursive: true, force: true });
  }
});

test('the XDG autostart entry is well-formed', () => {
  const text = readFileSync(new URL('../../../../build/autostart/mount-status-monitor.desktop', import.meta.url), 'utf8');
  const lines = text.trim().split('\n');
  assert.equal(lines[0], '[Desktop Entry]');
  const kv = new Map(lines.slice(1).map((l) => l.split('=', 2) as [string, string]));
  assert.equal(kv.get('Type'), 'Application');
  assert.equal(kv.get('Name'), 'Mount Status Monitor');
  assert.ok(kv.get('Exec'));
  assert.equal(kv.get('Terminal'), 'false');
  for (const l of lines.slice(1)) assert.match(l, /^[A-Za-z0-9-]+=.+$/);
});
