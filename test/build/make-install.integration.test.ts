// The helper-only install for headless servers: `make install` / `make uninstall` (root Makefile) into
// temporary trees, then the installed command run as a real process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipOrFail } from '../support/namespace.js';
import { have, listFiles, removeTree, ROOT, run, tempDir } from './build-tools.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeTree));
function scratch(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

const skipMake = skipOrFail(have('make') && have('cc') ? undefined : 'needs make and a C compiler');
const skipAnalyze = skipOrFail(have('systemd-analyze') ? undefined : 'needs systemd-analyze (apt package systemd)');

test('make install DESTDIR=… PREFIX=/usr: the layout, and the installed mountstatus runs', { skip: skipMake }, () => {
  const dest = scratch('msm-destdir-');
  const inst = run('make', ['-s', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr']);
  assert.equal(inst.code, 0, inst.stderr);

  const files = listFiles(dest);
  for (const f of [
    'usr/bin/mountstatus',
    'usr/lib/mount-status-monitor/package.json',
    'usr/lib/mount-status-monitor/bin/mountstatus.js',
    'usr/lib/mount-status-monitor/dist/native/msm-prober',
    'usr/lib/mount-status-monitor/dist/native/msm-unmount',
    'usr/lib/mount-status-monitor/dist/native/msm-nfs-shutdown',
    'usr/lib/mount-status-monitor/dist/src/helper/cli/main.js',
    'usr/lib/mount-status-monitor/dist/src/common/mount.js',
    'usr/lib/mount-status-monitor/node_modules/zod/package.json',
    'usr/share/doc/mount-status-monitor/README.md',
    'usr/share/doc/mount-status-monitor/docs/admin-guide.md',
    'etc/systemd/system/mount-status-monitor.service',
    'etc/mount-status-monitor.conf',
  ]) {
    assert.ok(files.includes(f), `${f} installed`);
  }
  // A helper-only install: nothing of the Electron app, none of our sources or build artefacts
  // (node_modules/zod is copied whole, as published).
  const ours = files.filter((f) => !f.includes('/node_modules/'));
  assert.deepEqual(ours.filter((f) => /dist\/src\/(main|preload|renderer)\/|\.(ts|map|tsbuildinfo)$/.test(f)), []);
  const unit = readFileSync(join(dest, 'etc/systemd/system/mount-status-monitor.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/mountstatus daemon$/m);

  const bin = join(dest, 'usr/bin/mountstatus');
  const help = run(bin, ['--help'], { cwd: dest });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /mountstatus check/);
  const none = run(bin, ['check', '--json', '--include', '/nonexistent/**'], { cwd: dest });
  assert.equal(none.code, 0, none.stderr);
  assert.equal((JSON.parse(none.stdout) as { checked: number }).checked, 0);
  // One real probe through the installed native prober: the root filesystem (stat + list of "/").
  const rootFs = run(bin, ['check', '--json', '--include', '/'], { cwd: dest });
  assert.equal(rootFs.code, 0, rootFs.stderr);
  const report = JSON.parse(rootFs.stdout) as { checked: number; mounts: { mountpoint: string; state: string }[] };
  assert.deepEqual(report.mounts.map((m) => [m.mountpoint, m.state]), [['/', 'ok']]);
  // The sample config parses with the helper's own parser (a bad line exits 2 naming file:line).
  const withConf = run(bin, ['check', '--json', '--config', join(dest, 'etc/mount-status-monitor.conf'), '--include', '/nonexistent/**']);
  assert.equal(withConf.code, 0, withConf.stderr);

  // An admin's config survives a reinstall and an uninstall; everything else goes.
  writeFileSync(join(dest, 'etc/mount-status-monitor.conf'), 'interval = 30\n');
  assert.equal(run('make', ['-s', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr']).code, 0);
  assert.equal(readFileSync(join(dest, 'etc/mount-status-monitor.conf'), 'utf8'), 'interval = 30\n');
  const un = run('make', ['-s', 'uninstall', `DESTDIR=${dest}`, 'PREFIX=/usr']);
  assert.equal(un.code, 0, un.stderr);
  assert.deepEqual(listFiles(dest), ['etc/mount-status-monitor.conf']);
  assert.match(un.stdout, /kept .*mount-status-monitor\.conf/);
});

test('make uninstall removes an unchanged sample config too: nothing is left', { skip: skipMake }, () => {
  const dest = scratch('msm-destdir-');
  assert.equal(run('make', ['-s', 'install', `DESTDIR=${dest}`]).code, 0);
  assert.ok(existsSync(join(dest, 'usr/local/bin/mountstatus')), 'PREFIX defaults to /usr/local');
  assert.match(readFileSync(join(dest, 'etc/systemd/system/mount-status-monitor.service'), 'utf8'), /^ExecStart=\/usr\/local\/bin\/mountstatus daemon$/m);
  assert.equal(run('make', ['-s', 'uninstall', `DESTDIR=${dest}`]).code, 0);
  assert.deepEqual(listFiles(dest), []);
});

test('HELPER_DEPS in the Makefile is exactly the bare imports of the compiled helper and common code', { skip: skipMake }, () => {
  const imports = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
          const spec = m[1]!;
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          imports.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk(join(ROOT, 'dist/src/helper'));
  walk(join(ROOT, 'dist/src/node'));
  walk(join(ROOT, 'dist/src/common'));
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  const declared = /^HELPER_DEPS := (.*)$/m.exec(makefile)?.[1]?.trim().split(/\s+/) ?? [];
  assert.deepEqual([...imports].sort(), declared.sort());
});

test('systemd-analyze verify accepts the unit as installed (ExecStart points at the installed command)', { skip: skipMake || skipAnalyze }, () => {
  // verify checks that ExecStart exists and is executable, so install for real under a temporary
  // PREFIX (no DESTDIR): the unit then names an existing path. It needs no running systemd.
  const prefix = scratch('msm-prefix-');
  const inst = run('make', ['-s', 'install', `PREFIX=${prefix}/usr`, `SYSCONFDIR=${prefix}/etc`]);
  assert.equal(inst.code, 0, inst.stderr);
  const unit = join(prefix, 'etc/systemd/system/mount-status-monitor.service');
  assert.match(readFileSync(unit, 'utf8'), new RegExp(`^ExecStart=${prefix}/usr/bin/mountstatus daemon$`, 'm'));
  const v = run('systemd-analyze', ['verify', unit]);
  // Unknown keys and bad values are only warnings (exit 0): any output at all is a failure.
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stderr + v.stdout, '');

  // The check itself can fail: a misspelt directive and a missing ExecStart are reported.
  const bad = join(prefix, 'mount-status-monitor.service');
  writeFileSync(bad, readFileSync(unit, 'utf8').replace('LockPersonality=yes', 'LockPersonalty=yes').replace(`${prefix}/usr/bin/mountstatus`, `${prefix}/nonexistent`));
  const vb = run('systemd-analyze', ['verify', bad]);
  assert.match(vb.stderr, /Unknown key 'LockPersonalty'/);
  assert.match(vb.stderr, /is not executable/);

  assert.equal(run('make', ['-s', 'uninstall', `PREFIX=${prefix}/usr`, `SYSCONFDIR=${prefix}/etc`]).code, 0);
  assert.deepEqual(listFiles(prefix), ['mount-status-monitor.service']);
});
