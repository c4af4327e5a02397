// The service and desktop files checked by real tools: the launchd plist parsed by python3's plistlib
// (the format plutil(1) checks; macOS itself is not available here), the macOS `mountstatus` wrapper
// run on a fake .app bundle, the XDG autostart entry by desktop-file-validate, and the sample config by
// the helper's own parser. The systemd unit is verified in make-install and linux-package tests.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipOrFail } from '../support/namespace.js';
import { have, removeTree, ROOT, run, standInElectronDist, tempDir } from './build-tools.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeTree));

const PLIST = join(ROOT, 'build/service/org.mountstatusmonitor.helper.plist');

interface LaunchdPlist {
  Label: string;
  ProgramArguments: string[];
  UserName?: string;
  RunAtLoad?: boolean;
  KeepAlive?: unknown;
}

function parsePlist(path: string): { code: number | null; plist?: LaunchdPlist; stderr: string } {
  const py = 'import plistlib, json, sys\nwith open(sys.argv[1], "rb") as f: print(json.dumps(plistlib.load(f)))';
  const r = run('python3', ['-c', py, path]);
  return { code: r.code, stderr: r.stderr, ...(r.code === 0 ? { plist: JSON.parse(r.stdout) as LaunchdPlist } : {}) };
}

test('the launchd plist parses and runs `mountstatus daemon` as root at load, where install-helper links it', { skip: skipOrFail(have('python3') ? undefined : 'needs python3') }, () => {
  const { code, plist, stderr } = parsePlist(PLIST);
  assert.equal(code, 0, stderr);
  assert.ok(plist);
  assert.equal(plist.Label, 'org.mountstatusmonitor.helper');
  assert.equal(`${plist.Label}.plist`, 'org.mountstatusmonitor.helper.plist', 'launchd expects the file named after the label');
  assert.deepEqual(plist.ProgramArguments.slice(0, 2), ['/usr/local/bin/mountstatus', 'daemon']);
  assert.equal(plist.UserName, 'root');
  assert.equal(plist.RunAtLoad, true);
  assert.ok(plist.KeepAlive, 'restarted when it dies');
  const installer = readFileSync(join(ROOT, 'build/mac/bin/install-helper'), 'utf8');
  assert.match(installer, /ln -sf "\$resources\/bin\/mountstatus" \/usr\/local\/bin\/mountstatus/);
  assert.match(installer, new RegExp(`LABEL=${plist.Label.replaceAll('.', '\\.')}`));

  // The parser rejects a broken plist (so the check above can fail).
  const dir = tempDir('msm-plist-');
  dirs.push(dir);
  const bad = join(dir, 'bad.plist');
  writeFileSync(bad, readFileSync(PLIST, 'utf8').replace('</dict>\n</plist>', '</plist>'));
  assert.notEqual(parsePlist(bad).code, 0);
});

test('the macOS mountstatus wrapper, through a symlink, runs the CLI with the bundle\'s Electron as Node', () => {
  // A fake "Mount Status Monitor.app" with the stand-in Electron in Contents/MacOS and the built tree as
  // Contents/Resources/app: the wrapper's portable symlink resolution (no readlink -f) and paths.
  const dir = tempDir('msm-macapp-');
  dirs.push(dir);
  const electron = standInElectronDist();
  dirs.push(electron);
  const contents = join(dir, 'Mount Status Monitor.app/Contents');
  mkdirSync(join(contents, 'MacOS'), { recursive: true });
  mkdirSync(join(contents, 'Resources/bin'), { recursive: true });
  symlinkSync(join(electron, 'electron'), join(contents, 'MacOS/Mount Status Monitor'));
  symlinkSync(ROOT, join(contents, 'Resources/app'));
  writeFileSync(join(contents, 'Resources/bin/mountstatus'), readFileSync(join(ROOT, 'build/mac/bin/mountstatus')), { mode: 0o755 });
  mkdirSync(join(dir, 'usr-local-bin'));
  // A relative link, as an admin's `ln -s ../../Applications/…` would be.
  symlinkSync('../Mount Status Monitor.app/Contents/Resources/bin/mountstatus', join(dir, 'usr-local-bin/mountstatus'));
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: undefined, MSM_NODE: undefined };
  const r = run(join(dir, 'usr-local-bin/mountstatus'), ['check', '--json', '--include', '/nonexistent/**'], { cwd: '/', env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { checked: number }).checked, 0);
});

test('the XDG autostart entry the packages install is valid (desktop-file-validate)', { skip: skipOrFail(have('desktop-file-validate') ? undefined : 'needs desktop-file-validate (apt package desktop-file-utils)') }, () => {
  const file = join(ROOT, 'build/autostart/mount-status-monitor.desktop');
  const r = run('desktop-file-validate', [file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout + r.stderr, '', 'no errors, warnings or hints');
  // Exec= names the packaged executable (linux.executableName), which after-install links into /usr/bin.
  assert.match(readFileSync(file, 'utf8'), /^Exec=mount-status-monitor$/m);
  assert.match(readFileSync(join(ROOT, 'build/electron-builder.yml'), 'utf8'), /^ {2}executableName: mount-status-monitor$/m);
});

test('the sample config parses with the helper\'s own parser, and a broken copy is refused with file:line', () => {
  const sample = join(ROOT, 'build/service/mount-status-monitor.conf');
  const cli = join(ROOT, 'bin/mountstatus.js');
  const ok = run(process.execPath, [cli, 'check', '--json', '--config', sample, '--include', '/nonexistent/**']);
  assert.equal(ok.code, 0, ok.stderr);
  const dir = tempDir('msm-conf-');
  dirs.push(dir);
  const bad = join(dir, 'bad.conf');
  writeFileSync(bad, `${readFileSync(sample, 'utf8')}\ninterval = soon\n`);
  const refused = run(process.execPath, [cli, 'check', '--json', '--config', bad, '--include', '/nonexistent/**']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, new RegExp(`${bad}:\\d+`));
});
