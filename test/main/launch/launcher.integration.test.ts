// The packaged launcher (build/linux/mount-status-monitor, put in place of the Electron binary by
// build/linux/after-pack.cjs): a launch from the menu or autostart, as an unprivileged user whose home
// directory is a FUSE mount frozen (SIGSTOP) before the launch - so any touch of it would hang the test -
// reaches "Electron" (a stand-in that records what it was started with) with the home-free environment,
// in /, with its arguments. Also the desktop entries' Path=/ and the packages' dependencies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(!ns.canMount ? ns.reason : fuseFixtureUnavailable());

let base: string;
let fuse: FuseFixture;
let user: TestUser;
let app: string;
let runtime: string;
before(async () => {
  if (skip) return;
  user = ensureTestUser();
  base = mkdtempSync(join(tmpdir(), 'msm-tray-launch-'));
  chmodSync(base, 0o755);
  runtime = join(base, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  chownSync(runtime, user.uid, user.gid);
  fuse = await startFuseFixture(join(base, 'home'), { uid: user.uid, gid: user.gid });
  // An unpacked app as electron-builder lays it out: the Electron binary under its executable name, the
  // app in resources/app (here: this checkout). Then the afterPack hook, as electron-builder runs it.
  app = join(base, 'app');
  mkdirSync(join(app, 'resources'), { recursive: true });
  symlinkSync(ROOT, join(app, 'resources', 'app'));
  // The stand-in Electron: plain Node when ELECTRON_RUN_AS_NODE=1, else records its start and exits.
  writeFileSync(
    join(app, 'mount-status-monitor'),
    `#!/bin/sh\nif [ "$ELECTRON_RUN_AS_NODE" = 1 ]; then exec '${process.execPath}' "$@"; fi\n` +
      `exec '${process.execPath}' -e 'console.log(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), env: process.env }))' -- "$@"\n`,
  );
  chmodSync(join(app, 'mount-status-monitor'), 0o755);
  const hook = createRequire(import.meta.url)(join(ROOT, 'build/linux/after-pack.cjs')) as { default(context: unknown): Promise<void> };
  await hook.default({ electronPlatformName: 'linux', appOutDir: app, packager: { executableName: 'mount-status-monitor' } });
});
after(async () => {
  if (skip) return;
  await fuse?.stop();
  rmSync(base, { recursive: true, force: true });
});

test('after-pack: Electron renamed, the launcher in its place, executable', { skip }, () => {
  assert.ok(existsSync(join(app, 'mount-status-monitor-electron')));
  assert.equal(readFileSync(join(app, 'mount-status-monitor'), 'utf8'), readFileSync(join(ROOT, 'build/linux/mount-status-monitor'), 'utf8'));
  assert.equal(statSync(join(app, 'mount-status-monitor')).mode & 0o777, 0o755);
});

test('a launch with the home frozen reaches Electron home-free, in /, with its arguments', { skip }, async () => {
  const home = fuse.mountpoint;
  // /usr/bin/mount-status-monitor is a symlink to the launcher (after-install.sh).
  const bin = join(base, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(join(app, 'mount-status-monitor'), join(bin, 'mount-status-monitor'));
  await fuse.freeze();
  try {
    const env = {
      HOME: home,
      PWD: home, // as a session starts its programs
      PATH: `${home}/.local/bin:${home}/bin:/usr/local/bin:/usr/bin:/bin`,
      USER: user.name,
      XDG_RUNTIME_DIR: runtime,
      DISPLAY: ':99',
    };
    const child = spawn(join(bin, 'mount-status-monitor'), ['--no-sandbox', 'file:///x'], { env, cwd: '/', uid: user.uid, gid: user.gid });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await Promise.race([
      new Promise<number | null>((r) => child.on('exit', r)),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000)),
    ]);
    if (code === 'hung') child.kill('SIGKILL');
    assert.equal(code, 0, `the launcher ${code === 'hung' ? 'hung on the frozen home' : `exited ${code}`}: ${err}`);
    const seen = JSON.parse(out) as { argv: string[]; cwd: string; env: Record<string, string> };
    const dirs = `${runtime}/mount-status-monitor-app`;
    assert.deepEqual(seen.argv, ['--no-sandbox', 'file:///x']);
    assert.equal(seen.cwd, '/');
    assert.equal(seen.env.HOME, `${dirs}/home`);
    assert.equal(seen.env.XDG_CONFIG_HOME, `${dirs}/home/.config`);
    assert.equal(seen.env.XDG_CACHE_HOME, `${dirs}/home/.cache`);
    assert.equal(seen.env.PWD, '/');
    assert.equal(seen.env.MSM_HOME, home);
    assert.equal(seen.env.MSM_ELECTRON_ENV, '1');
    assert.equal(seen.env.PATH, '/usr/local/bin:/usr/bin:/bin');
    assert.equal(seen.env.ELECTRON_RUN_AS_NODE, undefined, 'Electron itself is not started as Node');
    assert.equal(statSync(dirs).uid, user.uid, 'the runtime directory made as the user');
  } finally {
    fuse.thaw();
  }
});

test('with ELECTRON_RUN_AS_NODE=1 the launcher is Electron as Node: passed through', { skip }, async () => {
  const child = spawn(join(app, 'mount-status-monitor'), ['-e', 'console.log(process.argv.length)'], { env: { ELECTRON_RUN_AS_NODE: '1', PATH: '/usr/bin:/bin' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  assert.equal(await new Promise((r) => child.on('exit', r)), 0);
  assert.equal(out.trim(), '1');
});

test('both desktop entries start in /; the packages depend on notify-send', () => {
  const autostart = readFileSync(join(ROOT, 'build/autostart/mount-status-monitor.desktop'), 'utf8');
  assert.match(autostart, /^Path=\/$/m);
  assert.match(autostart, /^Exec=mount-status-monitor$/m);
  const req = createRequire(createRequire(join(ROOT, 'package.json')).resolve('app-builder-lib/package.json'));
  const yaml = req('js-yaml') as { load(s: string): unknown };
  const config = yaml.load(readFileSync(join(ROOT, 'build/electron-builder.yml'), 'utf8')) as {
    afterPack: string;
    linux: { executableName: string; desktop: { entry: Record<string, string> } };
    deb: { depends: string[] };
    rpm: { depends: string[] };
  };
  // The menu entry electron-builder writes gets these keys; its Exec is the executable: the launcher.
  assert.deepEqual(config.linux.desktop.entry, { Path: '/' });
  assert.equal(config.linux.executableName, 'mount-status-monitor');
  assert.equal(config.afterPack, 'build/linux/after-pack.cjs');
  assert.ok(config.deb.depends.includes('libnotify-bin'), 'notify-send on Debian');
  assert.ok(config.deb.depends.includes('libgtk-3-0'), "electron-builder's defaults kept");
  assert.ok(config.rpm.depends.includes('libnotify'), 'notify-send on Fedora');
});
