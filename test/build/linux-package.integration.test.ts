// The Linux package: electron-builder's unpacked (`dir`) target built from build/electron-builder.yml
// around a stand-in Electron (the real zip is a github.com download this machine cannot make), the
// packaged helper run the way /usr/bin/mountstatus runs it, and the deb/rpm maintainer scripts
// (build/linux/after-install.sh, after-remove.sh) run for real as root inside a private mount namespace
// whose /etc, /usr and /var are overlays and /opt a tmpfs, so the host is never touched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { buildUnpacked, have, listFiles, removeTree, ROOT, run, standInElectronDist, tempDir } from './build-tools.js';
import { cleanupsAfter } from '../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);

const PRODUCT = 'Mount Status Monitor';
const EXE = 'mount-status-monitor';
const APP = `/opt/${PRODUCT}`;

const haveBuilder = existsSync(join(ROOT, 'node_modules/electron-builder/cli.js'));
const skipBuild = skipOrFail(haveBuilder ? undefined : 'needs electron-builder (npm ci)');
const skipScripts = skipOrFail(
  !haveBuilder ? 'needs electron-builder (npm ci)'
  : !ns.canMount ? ns.reason
  : !have('systemctl') || !have('systemd-analyze') ? 'needs systemctl and systemd-analyze (apt package systemd)'
  : undefined,
);

const scratch: string[] = [];
let unpacked = '';
let buildLog = '';
before(() => {
  if (skipBuild) return;
  const out = tempDir('msm-eb-out-');
  const dist = standInElectronDist();
  scratch.push(out, dist);
  const { dir, result } = buildUnpacked(out, dist);
  buildLog = result.stdout + result.stderr;
  if (result.code === 0) unpacked = dir;
});
const cleanups = cleanupsAfter();
after(() => scratch.forEach(removeTree));

interface BuilderConfig {
  files: string[];
  extraResources?: { from: string; to: string }[];
  linux: { target: string[]; executableName: string; icon: string; extraResources?: { from: string }[] };
  deb: { afterInstall: string; afterRemove: string };
  rpm: { afterInstall: string; afterRemove: string };
  mac: { target: string[]; icon: string; extraResources?: { from: string }[] };
  pkg: { scripts: string };
  productName: string;
  directories: { output: string; buildResources: string };
}

function loadConfig(): BuilderConfig {
  // js-yaml is electron-builder's own YAML reader (a dependency of app-builder-lib).
  const req = createRequire(createRequire(join(ROOT, 'package.json')).resolve('app-builder-lib/package.json'));
  const yaml = req('js-yaml') as { load(s: string): unknown };
  return yaml.load(readFileSync(join(ROOT, 'build/electron-builder.yml'), 'utf8')) as BuilderConfig;
}

test('the config names the products asked for, and every file it references exists after the build', { skip: skipBuild }, () => {
  const c = loadConfig();
  assert.equal(c.productName, PRODUCT);
  assert.equal(c.linux.executableName, EXE);
  assert.deepEqual(c.linux.target, ['deb', 'rpm', 'AppImage']);
  assert.ok(c.mac.target.includes('dmg'));
  assert.notEqual(c.directories.output, 'dist', 'tsc writes dist/: the packages go elsewhere');
  const must = [
    ...c.files.filter((f) => !f.startsWith('!') && !/[*{]/.test(f)),
    ...[...(c.extraResources ?? []), ...(c.linux.extraResources ?? []), ...(c.mac.extraResources ?? [])].map((r) => r.from),
    c.linux.icon, c.mac.icon,
  ];
  for (const f of must) assert.ok(existsSync(join(ROOT, f)), `${f} (named in build/electron-builder.yml) exists`);
  const executables = [
    c.deb.afterInstall, c.deb.afterRemove, c.rpm.afterInstall, c.rpm.afterRemove,
    join(c.directories.buildResources, c.pkg.scripts, 'postinstall'),
    'build/linux/mountstatus', 'build/mac/bin/mountstatus', 'build/mac/bin/install-helper',
  ];
  for (const f of executables) {
    assert.ok(statSync(join(ROOT, f)).mode & 0o100, `${f} is executable`);
    const sh = run('sh', ['-n', join(ROOT, f)]);
    assert.equal(sh.code, 0, `${f}: ${sh.stderr}`);
  }
  // main (package.json) is what Electron starts.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string };
  assert.ok(existsSync(join(ROOT, pkg.main)), `${pkg.main} is built`);
});

test('electron-builder --linux dir lays out the app, the helper and the service files', { skip: skipBuild }, () => {
  assert.ok(unpacked, `electron-builder failed:\n${buildLog}`);
  const res = join(unpacked, 'resources');
  const app = join(res, 'app');
  assert.ok(statSync(join(unpacked, EXE)).mode & 0o111, 'the Electron executable is renamed to the executable name');
  for (const f of [
    'package.json', 'bin/mountstatus.js', 'dist/src/main/electron/main.js', 'dist/src/renderer/index.html',
    'dist/src/helper/cli/main.js', 'dist/src/common/mount.js', 'build/icons/tray-ok-22.png', 'build/icons/notify-dead.png',
  ]) {
    assert.ok(existsSync(join(app, f)), `resources/app/${f}`);
  }
  assert.ok(readdirSync(join(app, 'dist/src/preload')).some((f) => /\.c?js$/.test(f)), 'the preload script');
  assert.equal(statSync(join(app, 'dist/native/msm-prober')).mode & 0o777, 0o755, 'the native prober stays executable');
  assert.equal(statSync(join(res, 'bin/mountstatus')).mode & 0o777, 0o755);
  for (const f of ['service/mount-status-monitor.service', 'service/mount-status-monitor.conf', 'service/org.mountstatusmonitor.helper.plist', 'autostart/mount-status-monitor.desktop']) {
    assert.equal(readFileSync(join(res, f), 'utf8'), readFileSync(join(ROOT, 'build', f), 'utf8'), f);
  }
  // Production dependencies only.
  const modules = readdirSync(join(app, 'node_modules'));
  for (const m of ['zod', 'node-notifier']) assert.ok(modules.includes(m), `node_modules/${m}`);
  for (const m of ['electron', 'electron-builder', 'typescript', 'playwright-core', '@types']) assert.ok(!modules.includes(m), `no devDependency ${m}`);
  assert.deepEqual(modules.filter((m) => m.startsWith('node-linux-')), [], "no Node build: the app runs on Electron's");
  const ours = listFiles(app).filter((f) => !f.startsWith('node_modules/'));
  assert.deepEqual(ours.filter((f) => /\.(ts|cts|map|tsbuildinfo)$/.test(f)), [], 'no sources, maps or build info');

  // Every import in the packaged code resolves inside the package (or is Electron's own module).
  const req = createRequire(join(app, 'package.json'));
  const seen = new Set<string>();
  for (const f of ours.filter((x) => /^(dist\/src|bin)\/.*\.c?js$/.test(x))) {
    const code = readFileSync(join(app, f), 'utf8');
    // Static imports/exports at the start of a line (not "from" in comments), dynamic import(), require().
    const specs = /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm;
    for (const m of code.matchAll(specs)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      seen.add(spec);
      if (spec.startsWith('node:') || spec === 'electron') continue;
      if (spec.startsWith('.')) {
        assert.ok(existsSync(resolve(dirname(join(app, f)), spec)), `${f}: import ${spec}`);
      } else {
        assert.ok(req.resolve(spec).startsWith(join(app, 'node_modules')), `${f}: import ${spec} from the packaged node_modules`);
      }
    }
  }
  // The scan itself works: it saw the bare imports and the relative ones.
  assert.ok(seen.has('zod') && seen.has('electron'), `bare imports seen: ${[...seen].filter((x) => !x.startsWith('.'))}`);
  assert.ok([...seen].filter((x) => x.startsWith('.')).length > 30, 'relative imports seen');
});

test('the packaged mountstatus, started through a symlink as /usr/bin/mountstatus is, runs the helper with Electron as Node', { skip: skipBuild }, () => {
  assert.ok(unpacked, `electron-builder failed:\n${buildLog}`);
  const linkDir = tempDir('msm-bin-');
  scratch.push(linkDir);
  symlinkSync(join(unpacked, 'resources/bin/mountstatus'), join(linkDir, 'mountstatus'));
  // The stand-in Electron exits 97 unless ELECTRON_RUN_AS_NODE=1: a 0 here proves the wrapper set it.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: undefined, MSM_NODE: undefined };
  const r = run(join(linkDir, 'mountstatus'), ['check', '--json', '--include', '/nonexistent/**'], { cwd: linkDir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { checked: number }).checked, 0);
  const help = run(join(linkDir, 'mountstatus'), ['--help'], { cwd: linkDir, env });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /mountstatus daemon/);
});

/** What electron-builder does to afterInstall/afterRemove (app-builder-lib FpmTarget writeConfigFile). */
function substituteMacros(script: string): string {
  const values: Record<string, string> = { executable: EXE, sanitizedProductName: PRODUCT, productFilename: EXE };
  return readFileSync(join(ROOT, script), 'utf8').replace(/\${([a-zA-Z]+)}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`${script}: \${${name}} is not an electron-builder macro: the package build would fail`);
    return v;
  });
}

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'inherit' });
}

/** Overlays /etc, /usr and /var, a tmpfs /opt holding the unpacked app at /opt/<product>. */
function fakeInstalledSystem(): void {
  const work = tempDir('msm-root-');
  mount(['-t', 'tmpfs', 'msm-root', work]);
  // Detached first so the host is left without the (empty) directory; the overlays go with the namespace.
  cleanups.push(() => {
    execFileSync('umount', ['-l', work]);
    removeTree(work);
  });
  for (const d of ['etc', 'usr', 'var']) {
    mkdirSync(join(work, d, 'upper'), { recursive: true });
    mkdirSync(join(work, d, 'work'));
    mount(['-t', 'overlay', 'overlay', '-o', `lowerdir=/${d},upperdir=${work}/${d}/upper,workdir=${work}/${d}/work`, `/${d}`]);
  }
  mount(['-t', 'tmpfs', 'msm-opt', '/opt']);
  mkdirSync(APP);
  mount(['--bind', unpacked, APP]);
  // A systemd-booted host would be asked to start the service: hide it, this namespace is not booted.
  if (existsSync('/run/systemd/system')) mount(['-t', 'tmpfs', 'msm-run-systemd', '/run/systemd']);
}

test('after-install.sh / after-remove.sh install, upgrade, remove and purge the service, link, config and autostart', { skip: skipScripts }, () => {
  assert.ok(unpacked, `electron-builder failed:\n${buildLog}`);
  const bin = tempDir('msm-scripts-');
  scratch.push(bin);
  const postinst = join(bin, 'postinst');
  const postrm = join(bin, 'postrm');
  writeFileSync(postinst, substituteMacros('build/linux/after-install.sh'));
  writeFileSync(postrm, substituteMacros('build/linux/after-remove.sh'));
  chmodSync(postinst, 0o755);
  chmodSync(postrm, 0o755);
  fakeInstalledSystem();

  const unit = '/lib/systemd/system/mount-status-monitor.service';
  const wants = '/etc/systemd/system/multi-user.target.wants/mount-status-monitor.service';
  const conf = '/etc/mount-status-monitor.conf';
  const autostart = '/etc/xdg/autostart/mount-status-monitor.desktop';

  const inst = run(postinst, ['configure']);
  assert.equal(inst.code, 0, inst.stderr);
  assert.equal(readlinkSync('/usr/bin/mountstatus'), `${APP}/resources/bin/mountstatus`);
  assert.equal(realpathSync(`/usr/bin/${EXE}`), `${APP}/${EXE}`, 'the desktop entry\'s Exec= resolves');
  assert.equal(readFileSync(unit, 'utf8'), readFileSync(join(ROOT, 'build/service/mount-status-monitor.service'), 'utf8'));
  assert.equal(readFileSync(conf, 'utf8'), readFileSync(join(ROOT, 'build/service/mount-status-monitor.conf'), 'utf8'));
  assert.equal(readFileSync(autostart, 'utf8'), readFileSync(join(ROOT, 'build/autostart/mount-status-monitor.desktop'), 'utf8'));
  assert.ok(lstatSync(wants).isSymbolicLink(), 'enabled for the next boot (systemd is not running here)');

  // The unit exactly as the package installs it, with its ExecStart now present.
  const v = run('systemd-analyze', ['verify', unit]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout + v.stderr, '');
  const r = run('/usr/bin/mountstatus', ['check', '--json', '--include', '/nonexistent/**'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
  assert.equal(r.code, 0, r.stderr);
  // The daemon the unit starts, with the sample config: it starts, serves its socket, and SIGTERM stops it.
  const sock = join(bin, 'helper.sock');
  const daemon = run('sh', ['-c', `/usr/bin/mountstatus daemon --config ${conf} --include '/nonexistent/**' --no-syslog --socket ${sock} & pid=$!; ` +
    `i=0; while [ ! -S ${sock} ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; ` +
    `/usr/bin/mountstatus status --json --socket ${sock}; st=$?; kill -TERM $pid; wait $pid; echo "status=$st daemon=$?" >&2`]);
  assert.match(daemon.stderr, /status=0 daemon=0/, daemon.stderr);
  assert.equal((JSON.parse(daemon.stdout) as { checked: number }).checked, 0);

  // An upgrade (deb `configure <old>`, rpm `2`) keeps the admin's config; the old package's postrm on
  // upgrade (deb `upgrade`, rpm `1`) removes nothing.
  writeFileSync(conf, 'interval = 30\n');
  const snapshot = (): string[] => [...listFiles('/etc'), ...listFiles('/usr/bin')];
  const before = snapshot();
  for (const [script, arg] of [[postinst, 'configure'], [postinst, '2'], [postrm, 'upgrade'], [postrm, '1']] as const) {
    const u = run(script, [arg === 'configure' ? 'configure' : arg, ...(arg === 'configure' ? ['0.0.9'] : [])]);
    assert.equal(u.code, 0, `${script} ${arg}: ${u.stderr}`);
  }
  assert.deepEqual(snapshot(), before);
  assert.equal(readFileSync(conf, 'utf8'), 'interval = 30\n');

  const rm = run(postrm, ['remove']);
  assert.equal(rm.code, 0, rm.stderr);
  for (const p of [unit, wants, autostart, '/usr/bin/mountstatus', `/usr/bin/${EXE}`]) assert.ok(!existsSync(p) && !isLink(p), `${p} removed`);
  assert.equal(readFileSync(conf, 'utf8'), 'interval = 30\n', 'remove keeps the config');
  assert.equal(run(postrm, ['purge']).code, 0);
  assert.ok(!existsSync(conf), 'purge removes the config');
});

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
